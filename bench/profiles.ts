/**
 * `npm run bench:profiles`: profiles every measurement behind a missed target of issue 7 and
 * writes each summary to `bench/profiles/SUBJECT-SCENARIO.txt` (committed: the evidence the
 * bounds in `docs/performance.md` cite). Each network peer is profiled beside the alternative
 * it is compared with, so both come from the same minutes of the same machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { formatReport, profileSubject } from './profile';

/** Subject, scenario and seconds of each profile. */
const PROFILES: readonly [string, string, number][] = [
  ['curvezmq-stream', 'conn', 3],
  ['secret-stream', 'conn', 3],
  ['tcp', 'conn', 3],
  ['curvezmq-zeromq', 'conn', 3],
  ['zmq-curve', 'conn', 3],
  ['zmq-null', 'conn', 3],
  ['curvezmq-stream', '1024', 3],
  ['secret-stream', '1024', 3],
  ['curvezmq-stream', '65536', 3],
  ['secret-stream', '65536', 3],
  ['curvezmq-zeromq', '1024', 3],
  ['zmq-curve', '1024', 3],
  ['curvezmq-zeromq', '65536', 3],
  ['zmq-curve', '65536', 3],
  ['memory-sodium', '16', 2],
  ['memory-tweetnacl', 'handshake', 3],
];

const DIR = join(__dirname, 'profiles');

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  for (const [subject, scenario, seconds] of PROFILES) {
    const load = loadavg().map((l) => l.toFixed(1)).join('/');
    const report = await profileSubject(subject, scenario, seconds);
    const header = `# ${subject} ${scenario}: ${new Date().toISOString()}, ${cpus().length} cores, load ${load}, Node ${process.version}\n`;
    writeFileSync(join(DIR, `${subject}-${scenario}.txt`), header + formatReport(report));
    process.stderr.write(`  ${report.headline}\n`);
  }
}

void main().then(() => process.exit());
