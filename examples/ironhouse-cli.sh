PORT=${PORT:-5555}
curvezmq serve tcp://127.0.0.1:$PORT --cert keys/server --allow-dir allowed &
server=$!
curvezmq connect tcp://127.0.0.1:$PORT --cert keys/alice --server-key keys/server --message hello
curvezmq connect tcp://127.0.0.1:$PORT --cert keys/mallory --server-key keys/server --message hello \
  || echo "Mallory refused, exit code $?"
kill $server
