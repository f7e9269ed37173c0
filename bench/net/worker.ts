/**
 * One side of a network measurement, in its own process (so that client and server each have
 * a core): `worker.ts server <peer>` serves and reports its endpoints; `worker.ts client <peer>`
 * runs the measurements the parent asks for over IPC and reports each result.
 */
import { tlsCredentials } from './cert';
import { peerByName, type PeerContext } from './peers';
import { startProfile, stopProfile } from './cpu-profile';
import { CERT_DIR, cpuMicros, type ConnRequest, type CpuRequest, type MessageRequest, type ProfileRequest, type WorkerResult } from './protocol';

const [role, name] = process.argv.slice(2);
const peer = peerByName(name!);
const ctx: PeerContext = { tls: tlsCredentials(CERT_DIR) };
const send = (message: unknown) => process.send!(message);

async function countConnections(request: ConnRequest): Promise<WorkerResult> {
  let done = 0;
  let errors = 0;
  let lastError = '';
  const cpuStart = cpuMicros();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(request.seconds * 1e9));
  const lane = async () => {
    while (process.hrtime.bigint() < end) {
      try {
        await peer.echoOnce(request.address, ctx);
        done++;
      } catch (error) {
        errors++;
        lastError = (error as Error).message;
        if (errors > 100 && done === 0) return;
      }
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, lane));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (done === 0) return { ok: false, error: lastError || 'no connection completed' };
  return { ok: true, rate: done / elapsed, errors, count: done, cpuMicros: cpuMicros() - cpuStart };
}

async function timeMessages(request: MessageRequest): Promise<WorkerResult> {
  try {
    const cpuStart = cpuMicros();
    const elapsed = await peer.sendMany(request.address, request.size, request.count, ctx);
    return { ok: true, rate: request.count / elapsed, errors: 0, count: request.count, cpuMicros: cpuMicros() - cpuStart };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Starts a profile (answers `{ started: true }`) or stops one (answers its summary). */
async function profile(request: ProfileRequest): Promise<unknown> {
  if (request.top === undefined) {
    await startProfile();
    return { started: true };
  }
  return stopProfile(request.top, request.save);
}

if (role === 'server') {
  peer.serve(ctx).then(
    (server) => {
      send({ echo: server.echo, sink: server.sink });
      process.on('message', (request: CpuRequest | ProfileRequest | string) => {
        if (typeof request === 'object' && request.op === 'cpu') send({ cpuMicros: cpuMicros() });
        else if (typeof request === 'object' && request.op === 'profile') void profile(request).then(send);
        else void server.close().finally(() => process.exit(0));
      });
    },
    (error: Error) => {
      send({ error: error.message });
      process.exit(1);
    },
  );
} else {
  process.on('message', (request: ConnRequest | MessageRequest | ProfileRequest | { op: 'exit' }) => {
    if (request.op === 'exit') process.exit(0);
    if (request.op === 'profile') {
      void profile(request).then(send);
      return;
    }
    const run = request.op === 'conn' ? countConnections(request) : timeMessages(request);
    void run.then(send);
  });
  send({ ready: true });
}
