/**
 * Fuzz targets for the fleet's pure CHP side (RFC 12): the command parser per direction, the
 * properties parser, key entry metadata, and a replica fed mutated snapshots and updates. Their
 * inputs come from any peer (admitted or not), so anything must end in a command or a
 * `ChpError` with a stable code, never a throw; a parsed command must encode back; a replica
 * must never apply an update that is not newer than what it has.
 *
 * Wired into `fuzz/targets.ts` as `chp-commands` (weight 2), `chp-replica` and `bstar-heartbeat`
 * (weight 1 each): the Binary Star state heartbeat comes from the peer server's state socket.
 *
 * @module
 */
import { encodeChp, parseChp, type ChpCommand, type ChpInbound } from '../src/fleet/codec';
import { ChpError } from '../src/fleet/errors';
import { parseKeyMetadata } from '../src/fleet/key-entry';
import { parseProperties } from '../src/fleet/properties';
import { ReplicaState } from '../src/fleet/replica-state';
import { BINARY_STAR_STATES, encodeHeartbeat, parseHeartbeat } from '../src/fleet/binary-star';
import { describe } from './invariants';
import { mutate } from './mutate';
import type { Prng } from './prng';
import type { Exec } from './targets';

const CODES = new Set(['ERR_CHP_FRAMES', 'ERR_CHP_KEY', 'ERR_CHP_SEQUENCE', 'ERR_CHP_UUID', 'ERR_CHP_PROPERTIES', 'ERR_CHP_SIZE', 'ERR_CHP_FIELD', 'ERR_CHP_ENTRY']);
const INBOUND: readonly ChpInbound[] = ['snapshot-request', 'snapshot', 'publish', 'collect'];
const text = (s: string) => new TextEncoder().encode(s);

/** Valid commands of every kind, with the direction that receives them. */
function seeds(prng: Prng): Array<[ChpCommand, ChpInbound]> {
  const uuid = prng.chance(0.5) ? new Uint8Array(16).fill(prng.int(256)) : new Uint8Array(0);
  const sequence = prng.int(1_000_000);
  const properties: Record<string, string> = prng.chance(0.5) ? { ttl: String(prng.int(100)), name: 'n' } : {};
  const value = text('name=web\nrights=read,update\nexpires=1798761600\n');
  return [
    [{ command: 'ICANHAZ', subtree: '/keys/web/' }, 'snapshot-request'],
    [{ command: 'KVSYNC', key: '/keys/web/k', sequence, properties, value }, 'snapshot'],
    [{ command: 'KTHXBAI', sequence, subtree: '' }, 'snapshot'],
    [{ command: 'KVPUB', key: '/keys/web/k', sequence, uuid, properties, value }, 'publish'],
    [{ command: 'KVSET', key: '/config/x', sequence, uuid, properties, value }, 'collect'],
    [{ command: 'HUGZ' }, 'publish'],
  ];
}

/** One command, one frame mutated (or frames added, dropped), parsed in a random direction. */
export function chpCommands(exec: Exec): void {
  const { prng } = exec;
  const [command, home] = prng.pick(seeds(prng));
  const frames = encodeChp(command);
  const i = prng.int(frames.length);
  frames[i] = mutate(prng, frames[i]!, exec.corpus.donors);
  if (prng.chance(0.1)) frames.push(prng.pick(exec.corpus.donors));
  if (prng.chance(0.1)) frames.splice(prng.int(frames.length), 1);
  const inbound = prng.chance(0.8) ? home : prng.pick(INBOUND);
  const input = frames[i] ?? new Uint8Array(0);
  let parsed: ChpCommand | ChpError;
  try {
    parsed = parseChp(frames, inbound);
    const props = parseProperties(input);
    const metadata = parseKeyMetadata(input);
    for (const r of [props, metadata]) {
      if (r instanceof ChpError && !CODES.has(r.code)) exec.violate('chp-untyped', `code ${r.code}`, input);
    }
  } catch (error) {
    exec.violate('chp-throw', describe(error), input);
    return;
  }
  if (parsed instanceof ChpError) {
    if (!CODES.has(parsed.code)) exec.violate('chp-untyped', `code ${parsed.code}`, input);
    return;
  }
  try {
    encodeChp(parsed);
  } catch (error) {
    exec.violate('chp-reencode', `a parsed ${parsed.command} does not encode: ${describe(error)}`, input);
  }
}

/** A replica fed a mutated snapshot then mutated updates: it never goes backwards. */
export function chpReplica(exec: Exec): void {
  const { prng } = exec;
  const state = new ReplicaState(prng.chance(0.5) ? '' : '/keys/', { maxEntries: 8 });
  state.beginSnapshot();
  const feed = (command: ChpCommand, inbound: ChpInbound): ChpCommand | ChpError => {
    const frames = encodeChp(command);
    if (prng.chance(0.3)) {
      const i = prng.int(frames.length);
      frames[i] = mutate(prng, frames[i]!, exec.corpus.donors);
    }
    return parseChp(frames, inbound);
  };
  try {
    for (let n = prng.int(12); n > 0; n--) {
      state.onSnapshot(feed({ command: 'KVSYNC', key: `/keys/${prng.int(4)}`, sequence: prng.int(50), properties: {}, value: text('v') }, 'snapshot'), 0);
    }
    state.onSnapshot(feed({ command: 'KTHXBAI', sequence: prng.int(50), subtree: state.subtree }, 'snapshot'), 0);
    for (let n = prng.int(20); n > 0; n--) {
      const before = state.map.sequence;
      const command = feed({ command: 'KVPUB', key: `/keys/${prng.int(4)}`, sequence: prng.int(80), uuid: new Uint8Array(0), properties: {}, value: prng.chance(0.2) ? new Uint8Array(0) : text('v') }, 'publish');
      const verdict = state.onPublish(command, 0);
      if (verdict === 'applied' && !('sequence' in command && command.sequence > before)) {
        exec.violate('chp-replica-order', `applied a KVPUB not newer than ${before}`);
      }
      if (state.map.sequence < before) exec.violate('chp-replica-order', `sequence went back from ${before} to ${state.map.sequence}`);
    }
  } catch (error) {
    exec.violate('chp-replica-throw', describe(error));
  }
}

/** A Binary Star state heartbeat, mutated: a heartbeat that encodes back the same, or a ChpError. */
export function bstarHeartbeat(exec: Exec): void {
  const { prng } = exec;
  const frames = encodeHeartbeat({ state: prng.pick(BINARY_STAR_STATES), sequence: prng.int(1_000_000) });
  const i = prng.int(frames.length);
  frames[i] = mutate(prng, frames[i]!, exec.corpus.donors);
  if (prng.chance(0.1)) frames.push(prng.pick(exec.corpus.donors));
  if (prng.chance(0.1)) frames.splice(prng.int(frames.length), 1);
  const input = frames[i] ?? new Uint8Array(0);
  try {
    const parsed = parseHeartbeat(frames);
    if (parsed instanceof ChpError) {
      if (!CODES.has(parsed.code)) exec.violate('bstar-untyped', `code ${parsed.code}`, input);
      return;
    }
    const again = encodeHeartbeat(parsed);
    if (again.length !== frames.length || again.some((f, n) => f.length !== frames[n]!.length || f.some((b, k) => b !== frames[n]![k]))) {
      exec.violate('bstar-reencode', 'a parsed heartbeat does not encode back to its frames', input);
    }
  } catch (error) {
    exec.violate('bstar-throw', describe(error), input);
  }
}
