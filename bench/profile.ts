/**
 * `npm run bench:profile -- PEER [conn | SIZE] [SECONDS]`: CPU profiles of both processes of one
 * network measurement (client and server, start-up excluded), as self time per function. This
 * is how the bounds in `docs/performance.md` were found. PEER is one of the benchmark's peers
 * (`curvezmq-stream`, `curvezmq-zeromq`, `tls`, `secret-stream`, `zmq-curve`, `zmq-null`,
 * `tcp`); `conn` (default) profiles the connection test, a SIZE the one-way messages of that size.
 */
import type { ProfileSummary } from './net/cpu-profile';
import { PEERS } from './net/peers';
import { profilePeer } from './net/runner';

const [peer, scenario = 'conn', secondsArg = '3'] = process.argv.slice(2);
const TOP = 25;

function print(role: string, summary: ProfileSummary): void {
  console.log(`\n${role}: ${summary.samples} samples`);
  for (const line of summary.lines) console.log(`${line.percent.toFixed(1).padStart(6)}%  ${line.name}`);
}

async function main(): Promise<void> {
  if (peer === undefined || !PEERS.some((p) => p.name === peer)) {
    console.error(`usage: npm run bench:profile -- PEER [conn | SIZE] [SECONDS]\npeers: ${PEERS.map((p) => p.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const size = scenario === 'conn' ? undefined : Number(scenario);
  const profile = await profilePeer(peer, size, Number(secondsArg), TOP);
  if (!profile.result.ok) throw new Error(profile.result.error);
  const unit = size === undefined ? 'connections/s' : `messages/s of ${size} B`;
  console.log(`${peer}: ${profile.result.rate.toFixed(0)} ${unit}`);
  if (profile.cpu !== undefined) console.log(`CPU µs per operation: client ${profile.cpu.client.toFixed(2)}, server ${profile.cpu.server.toFixed(2)}`);
  print('client', profile.client);
  print('server', profile.server);
}

void main().then(() => process.exit());
