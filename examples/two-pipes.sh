# Key files, not keys on the command line (other users can read a process's arguments).
curvezmq keygen server --dir keys && curvezmq keygen client --dir keys
mkfifo c2s s2c
curvezmq serve - --cert keys/server --allow keys/client < c2s > s2c &
# The client opens its output first: each side's reading end then finds its writer.
curvezmq connect - --cert keys/client --server-key keys/server \
  --message hello --message world > c2s < s2c
