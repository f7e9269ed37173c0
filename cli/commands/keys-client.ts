/**
 * The client side of `curvezmq keys`: `add` and `revoke` (a KVSET through a
 * {@link FleetUpdater}, confirmed when a {@link FleetReplica} sees it published), `list` (one
 * snapshot) and `watch` (a replica, printing each change until the signal).
 *
 * @module
 */
import * as zmq from 'zeromq';
import { FleetReplica, FleetUpdater } from '../../src/adapters/zeromq/fleet';
import { fleetLimits, socketLimits } from '../../src/adapters/zeromq/fleet/sockets';
import { nativeCurveClient } from '../../src/adapters/zeromq/native-curve';
import { equalBytes } from '../../src/bytes';
import { ChannelError } from '../../src/errors';
import {
  ChpError,
  encodeChp,
  encodeKeyMetadata,
  groupSubtree,
  isValidGroup,
  KEYS_PREFIX,
  keyPath,
  parseChp,
  parseKeyMetadata,
  parseKeyPath,
  ReplicaState,
  type FleetRight,
  type Kvpub,
  type MapEntry,
} from '../../src/fleet';
import { EXIT } from '../exit-codes';
import { accessOf, beforeDeadline, socketEndpoint, type FleetKeys } from '../fleet-client';
import { UsageError } from '../usage';
import { asUsage, millisecondsOption, publicKeyOption, type KeysContext } from './keys';

/** What a client action needs besides the context. */
interface Client {
  readonly keys: FleetKeys;
  readonly timeout: number;
  /** `Date.now()` time by which the server must have answered. */
  readonly deadline: number;
}

async function clientOf(context: KeysContext): Promise<Client> {
  const server = context.values['server-key'];
  if (server === undefined) throw new UsageError('needs --server-key (the fleet server\'s public key)');
  const serverKey = await publicKeyOption(server, '--server-key');
  const timeout = millisecondsOption(context.values.timeout, '--timeout', 5000);
  return { keys: { secretKey: context.secretKey, serverKey }, timeout, deadline: Date.now() + timeout };
}

function groupOf(context: KeysContext, required: boolean): string | undefined {
  const group = context.values.group;
  if (group === undefined && required) throw new UsageError('needs --group G');
  if (group !== undefined && !isValidGroup(group)) throw new UsageError('--group expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
  return group;
}

function listedPath(context: KeysContext): string {
  const group = groupOf(context, true)!;
  if (context.values.key === undefined) throw new UsageError('needs --key Z85 (the public key listed)');
  return asUsage(() => keyPath(group, context.values.key!));
}

/** `keys add`: lists a key with its metadata. */
export async function add(context: KeysContext): Promise<number> {
  const path = listedPath(context);
  const rights = (context.values.rights ?? '').split(',').filter((r) => r !== '');
  const bad = rights.find((r) => r !== 'read' && r !== 'update');
  if (bad !== undefined) throw new UsageError(`--rights: unknown right ${JSON.stringify(bad)} (read, update)`);
  const expires = expiresOf(context.values.expires);
  const name = context.values.name;
  const value = asUsage(() => encodeKeyMetadata({ rights: rights as FleetRight[], ...(name === undefined ? {} : { name }), ...(expires === undefined ? {} : { expires }) }));
  return write(context, await clientOf(context), path, value);
}

/** `keys revoke`: deletes a key's entry (every follower stops admitting it). */
export async function revoke(context: KeysContext): Promise<number> {
  return write(context, await clientOf(context), listedPath(context), new Uint8Array(0));
}

/** `--expires ISO` as Unix seconds: a date, or a date and time (UTC unless it says otherwise). */
function expiresOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms) || ms < 0) throw new UsageError(`--expires expected an ISO 8601 date or time (e.g. 2027-01-31T00:00:00Z), got ${JSON.stringify(text)}`);
  return Math.floor(ms / 1000);
}

/**
 * Sends `path = value` and waits until a replica sees it published. The update right is
 * checked first (without it nothing sent arrives); without the read right the update is sent
 * but cannot be confirmed.
 */
async function write(context: KeysContext, client: Client, path: string, value: Uint8Array): Promise<number> {
  const { address, io } = context;
  const within = <T>(promise: Promise<T>) => beforeDeadline(promise, address, client.deadline, client.timeout, io.signal);
  const collector = accessOf(address, client.keys, 'collector');
  const snapshot = accessOf(address, client.keys, 'snapshot');
  let replica: FleetReplica | undefined;
  let updater: FleetUpdater | undefined;
  try {
    await within(collector.verdict);
    const canRead = await within(snapshot.verdict.then(() => true, (error: unknown) => (error instanceof ChannelError ? Promise.reject(error) : false)));
    updater = FleetUpdater.connect({ ...address, ...client.keys });
    const deleting = value.length === 0;
    if (!canRead) {
      await within(updater.set(path, value));
      io.out(`sent ${deleting ? 'revoke' : 'add'} ${path} (not confirmed: our key lacks the read right)`);
      return EXIT.OK;
    }
    replica = FleetReplica.start({ ...address, ...client.keys, subtree: path });
    await within(replica.ready);
    if (deleting && replica.get(path) === undefined) {
      io.out(`${path} is not listed: nothing to revoke`);
      return EXIT.OK;
    }
    const seen = new Promise<Kvpub>((resolve) => {
      replica!.events.on('update', (update) => {
        if (update.key === path && equalBytes(update.value, value)) resolve(update);
      });
    });
    await within(updater.set(path, value));
    const update = await within(seen);
    io.out(`${deleting ? 'revoked' : 'added'} ${path} (sequence ${update.sequence})`);
    return EXIT.OK;
  } finally {
    collector.close();
    snapshot.close();
    await updater?.close();
    await replica?.close();
  }
}

/** `keys list`: one snapshot of the group's keys (or of every group), one line per key. */
export async function list(context: KeysContext): Promise<number> {
  const client = await clientOf(context);
  const group = groupOf(context, false);
  const subtree = group === undefined ? KEYS_PREFIX : groupSubtree(group);
  const { address, io } = context;
  const access = accessOf(address, client.keys, 'snapshot');
  const limits = fleetLimits({});
  const dealer = new zmq.Dealer({ ...nativeCurveClient(client.keys), ...socketLimits(limits) });
  const state = new ReplicaState(subtree, { maxEntries: limits.maxEntries });
  // A lean CHP client: FleetReplica follows a map but does not enumerate it.
  const take = async (): Promise<void> => {
    dealer.connect(socketEndpoint(address, 'snapshot'));
    await dealer.send(encodeChp({ command: 'ICANHAZ', subtree }));
    for (;;) {
      const verdict = state.onSnapshot(parseChp(await dealer.receive(), 'snapshot', limits), Date.now());
      if (verdict === 'done') return;
      if (verdict instanceof ChpError) throw new ChannelError('ERR_PROTOCOL', `the fleet server sent a malformed snapshot: ${verdict.message}`, { cause: verdict });
    }
  };
  try {
    await beforeDeadline(Promise.all([take(), access.verdict]), address, client.deadline, client.timeout, io.signal);
  } finally {
    access.close();
    dealer.close();
  }
  const entries = [...state.map.under(subtree)].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const entry of entries) io.out(describe(entry, Date.now()));
  io.log(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} under ${subtree} at sequence ${state.map.sequence}`);
  return EXIT.OK;
}

/** `keys watch`: follows the group's keys (or every group's) and prints each change until the signal. */
export async function watch(context: KeysContext): Promise<number> {
  const client = await clientOf(context);
  const group = groupOf(context, false);
  const { address, io } = context;
  const access = accessOf(address, client.keys, 'snapshot');
  const replica = FleetReplica.start({ ...address, ...client.keys, ...(group === undefined ? { subtree: KEYS_PREFIX } : { group }) });
  try {
    try {
      await beforeDeadline(Promise.all([replica.ready, access.verdict]), address, client.deadline, client.timeout, io.signal);
    } finally {
      access.close();
    }
    replica.events.on('update', (update) => io.out(update.value.length === 0 ? `${update.sequence} revoked ${update.key}` : `${update.sequence} set ${describe(update, Date.now())}`));
    replica.events.on('resync', () => io.log('the server went quiet: taking a new snapshot (changes meanwhile are not printed; run keys list)'));
    replica.events.on('dropped', (error) => io.log(`dropped: ${error.code}: ${error.message}`));
    io.log(`watching ${group === undefined ? KEYS_PREFIX : groupSubtree(group)} on ${context.endpoint} from sequence ${replica.sequence} (${replica.size} entries)`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return EXIT.OK;
  } finally {
    await replica.close();
  }
}

/** One line for an entry: `KEYPATH name="N" rights=R expires=ISO`, or what is wrong with it. */
export function describe(entry: Pick<MapEntry, 'key' | 'value'>, nowMs: number): string {
  if (parseKeyPath(entry.key) === undefined) return `${entry.key} (not a key entry)`;
  const metadata = parseKeyMetadata(entry.value);
  if (metadata instanceof ChpError) return `${entry.key} (malformed: ${metadata.message})`;
  const parts = [entry.key];
  if (metadata.name !== undefined) parts.push(`name=${JSON.stringify(metadata.name)}`);
  parts.push(`rights=${metadata.rights.length === 0 ? 'none' : metadata.rights.join(',')}`);
  if (metadata.expires !== undefined) {
    // Beyond what Date can show (year 275760), the seconds themselves.
    const ms = metadata.expires * 1000;
    parts.push(`expires=${ms > 8.64e15 ? metadata.expires : new Date(ms).toISOString().replace('.000Z', 'Z')}`);
    if (metadata.expires * 1000 <= nowMs) parts.push('(expired)');
  }
  return parts.join(' ');
}
