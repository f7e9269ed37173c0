/**
 * Part 4: server heap per established CURVE session. Run with `--expose-gc` (run.ts does):
 * completes `count` in-memory handshakes against one server endpoint, keeps every server
 * session, and reports the growth of the V8 heap after a full collection, divided by `count`.
 * This is the mechanism's share (keys, nonces, codec, peer identity, and the endpoint's replay
 * record entry, also reported alone); an adapter adds its own per-connection objects (a Node
 * socket alone is several KiB).
 */
import { handshakeByHand } from '../cli/measure';
import { CURVE } from '../mechanisms/curve';
import { generateKeyPair, type Mechanism } from '../src';
import { useCryptoBackend } from '../src/crypto';

const count = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
useCryptoBackend('auto');

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const sessions = CURVE.server({ secretKey: serverKeys.secretKey });
const client = () => CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey });

function establish(): Mechanism {
  const c = client();
  const s = sessions();
  handshakeByHand(c, s);
  c.destroy();
  return s;
}

// Warm up code and the endpoint's shared state (cookie key, replay record) before the baseline.
const warm: Mechanism[] = [];
for (let i = 0; i < 200; i++) warm.push(establish());
gc();
gc();
const before = process.memoryUsage().heapUsed;
const kept: Mechanism[] = new Array(count);
for (let i = 0; i < count; i++) kept[i] = establish();
gc();
gc();
const after = process.memoryUsage().heapUsed;
// The endpoint's replay record grows with each INITIATE too (up to its bound, 65,536 by
// default): measured alone by handshakes whose sessions are dropped at once.
for (let i = 0; i < count; i++) establish().destroy();
gc();
gc();
const afterDropped = process.memoryUsage().heapUsed;
const replayBytes = (afterDropped - after) / count;
process.stdout.write(
  JSON.stringify({
    sessions: count,
    bytesPerSession: (after - before) / count,
    replayRecordBytesPerSession: replayBytes,
    kept: kept.length + warm.length,
  }),
);
