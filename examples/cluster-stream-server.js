// A stream server on every core: the primary forks workers, each runs its own StreamServer on
// the same port, and the kernel spreads connections across them (node:cluster).
const cluster = require('node:cluster');
const { allowKeys, createServer, CURVE, z85Decode } = require('curvezmq');

const [secretKey, allowedKey, port, workers] = process.argv.slice(2);

if (cluster.isPrimary) {
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    if (++listening === Number(workers)) console.log(`listening on ${address.port}`);
  });
} else {
  // Each worker has its own cookie keys, replay record and sessions: a connection's whole
  // handshake stays on the worker that accepted it.
  const server = createServer(
    { mechanism: CURVE, mechanismOptions: { secretKey: z85Decode(secretKey) }, authorizer: allowKeys([allowedKey]) },
    (stream) => stream.on('data', () => stream.write(String(process.pid))),
  );
  server.listen(Number(port), '127.0.0.1');
}
