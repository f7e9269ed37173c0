/**
 * `npm run bench:profile -- SUBJECT [SCENARIO] [SECONDS] [--save DIR]`: CPU profiles of one
 * measurement, as self time per function. This is how the bounds in `docs/performance.md` were
 * found.
 *
 * - SUBJECT a network peer (`curvezmq-stream`, `curvezmq-zeromq`, `tls`, `secret-stream`,
 *   `zmq-curve`, `zmq-null`, `tcp`): both processes of its connection test (SCENARIO `conn`,
 *   the default) or of its one-way messages of SCENARIO bytes, start-up excluded.
 * - SUBJECT `memory-sodium`, `memory-node` or `memory-tweetnacl`: this process, in memory, on
 *   that crypto backend: CURVE handshakes (SCENARIO `handshake`, the default) or MESSAGE
 *   encodes of SCENARIO bytes.
 *
 * `--save DIR` also writes each whole profile there (`.cpuprofile`, the format of
 * `node --cpu-prof`, which Chrome DevTools opens).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { profileMemory, MEMORY_SUBJECTS } from './memory-profile';
import type { ProfileSummary } from './net/cpu-profile';
import { PEERS } from './net/peers';
import { profilePeer } from './net/runner';

const TOP = 25;

/** One profiled measurement: what it measured, and each process's summary. */
export interface ProfileReport {
  readonly headline: string;
  readonly sides: readonly { readonly role: string; readonly summary: ProfileSummary }[];
}

/** Profiles one subject (see the module comment) and describes it. */
export async function profileSubject(subject: string, scenario: string | undefined, seconds: number, saveDir?: string): Promise<ProfileReport> {
  if (MEMORY_SUBJECTS.includes(subject)) {
    const save = saveDir === undefined ? undefined : join(saveDir, `${subject}-${scenario ?? 'handshake'}.cpuprofile`);
    return profileMemory(subject, scenario, seconds, TOP, save);
  }
  const size = scenario === undefined || scenario === 'conn' ? undefined : Number(scenario);
  const profile = await profilePeer(subject, size, seconds, TOP, saveDir);
  if (!profile.result.ok) throw new Error(profile.result.error);
  const unit = size === undefined ? 'connections/s' : `messages/s of ${size} B`;
  const cpu = profile.cpu === undefined ? '' : `; CPU µs per operation: client ${profile.cpu.client.toFixed(2)}, server ${profile.cpu.server.toFixed(2)}`;
  return {
    headline: `${subject}: ${profile.result.rate.toFixed(0)} ${unit}${cpu}`,
    sides: [
      { role: 'client', summary: profile.client },
      { role: 'server', summary: profile.server },
    ],
  };
}

/** A report as text: the headline, then each side's heaviest functions. */
export function formatReport(report: ProfileReport): string {
  let out = `${report.headline}\n`;
  for (const { role, summary } of report.sides) {
    out += `\n${role}: ${summary.samples} samples\n`;
    for (const line of summary.lines) out += `${line.percent.toFixed(1).padStart(6)}%  ${line.name}\n`;
  }
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { save: { type: 'string' } } });
  const [subject, scenario, secondsArg = '3'] = positionals;
  const subjects = [...PEERS.map((p) => p.name), ...MEMORY_SUBJECTS];
  if (subject === undefined || !subjects.includes(subject)) {
    console.error(`usage: npm run bench:profile -- SUBJECT [conn | handshake | SIZE] [SECONDS] [--save DIR]\nsubjects: ${subjects.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  if (values.save !== undefined) mkdirSync(values.save, { recursive: true });
  process.stdout.write(formatReport(await profileSubject(subject, scenario, Number(secondsArg), values.save)));
}

if (require.main === module) void main().then(() => process.exit());
