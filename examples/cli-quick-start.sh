PORT=${PORT:-5555}
curvezmq keygen server --dir keys && curvezmq keygen alice --dir keys
mkdir allowed && cp keys/alice allowed/
curvezmq serve tcp://127.0.0.1:$PORT --cert keys/server --allow-dir allowed &
curvezmq connect tcp://127.0.0.1:$PORT --cert keys/alice --server-key keys/server --message hi
kill %1
