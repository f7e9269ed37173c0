# Keys in Z85 contain characters such as * ? [ $ &: quote them.
mkfifo c2s s2c
curvezmq serve - --secret-key "$SERVER_SECRET" --allow "$CLIENT_PUBLIC" < c2s > s2c &
# The client opens its output first: each side's reading end then finds its writer.
curvezmq connect - --secret-key "$CLIENT_SECRET" --server-key "$SERVER_PUBLIC" \
  --message hello --message world > c2s < s2c
