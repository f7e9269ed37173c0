/**
 * `curvezmq keys`: the fleet's key map (CHP, RFC 12, over libzmq's CURVE; see `docs/fleet.md`).
 *
 * ```
 * curvezmq keys serve ENDPOINT --journal PATH --secret-key-file F --admin KEY... [--group G]
 * curvezmq keys add ENDPOINT --group G --key Z85 [--name N] [--expires ISO] [--rights read,update]
 * curvezmq keys revoke ENDPOINT --group G --key Z85
 * curvezmq keys list ENDPOINT [--group G]
 * curvezmq keys watch ENDPOINT [--group G]
 * ```
 *
 * This file parses and dispatches; `keys-serve.ts` runs the server, `keys-client.ts` the rest.
 *
 * @module
 */
import type { Readable } from 'node:stream';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from '../exit-codes';
import { resolveKey } from '../key-option';
import { SecretOptionError, SecretReader } from '../secret-option';
import { closest, parseCommand, UsageError, type ParsedCommand } from '../usage';
import { parseFleetEndpoint, type FleetAddress } from '../fleet-client';

const HELP = `usage:
  curvezmq keys serve ENDPOINT --journal PATH --secret-key-file F --admin KEY [--admin KEY...]
  curvezmq keys add ENDPOINT --group G --key Z85 [--name N] [--expires ISO] [--rights read,update]
  curvezmq keys revoke ENDPOINT --group G --key Z85
  curvezmq keys list ENDPOINT [--group G]
  curvezmq keys watch ENDPOINT [--group G]

A fleet's trusted key map (docs/fleet.md). serve runs the fleet server on ENDPOINT's port P and
on P+1 and P+2; the others are its clients. A key is listed at /keys/<group>/<key>.

  ENDPOINT                 tcp://HOST:P (serve: the interface to bind, e.g. tcp://0.0.0.0:5556)
  --secret-key-file F      own secret key: a key or certificate file (mode 600), or - for stdin
  --server-key KEY         add, revoke, list, watch: the fleet server's public key (Z85 or file)
  --group G                serve: the group whose entries give rights on this server (default
                           fleet); add, revoke: the key's group; list, watch: only this group
  --journal PATH           serve: the map's journal (made if missing; fsynced per update)
  --admin KEY              serve: a key holding every right whatever the map says (repeatable,
                           or comma-separated): how the first entries get in
  --heartbeat MS           serve: milliseconds between HUGZ (default 1000)
  --primary PEER, --backup PEER
                           serve: Binary Star pair (not built yet: refused)
  --key Z85                add, revoke: the public key listed
  --name N                 add: a name for the key (the User-Id of an admitted peer)
  --expires ISO            add: when the key stops being admitted (e.g. 2027-01-31T00:00:00Z)
  --rights R[,R]           add: read (snapshots, updates) and/or update (may change the map);
                           default none: a member of its group, admitted by its services
  --timeout MS             add, revoke, list, watch: wait this long for the server (default 5000)
  --allow-loose-permissions  use a secret key file that group or others may read

add and revoke need a key holding update (and read, to see the change applied). list and
watch need read. watch prints each change on one line until SIGINT.

${EXIT_CODES_HELP}
`;

const OPTIONS = {
  'secret-key-file': { type: 'string' },
  'server-key': { type: 'string' },
  group: { type: 'string' },
  journal: { type: 'string' },
  admin: { type: 'string', multiple: true },
  heartbeat: { type: 'string' },
  primary: { type: 'string' },
  backup: { type: 'string' },
  key: { type: 'string' },
  name: { type: 'string' },
  expires: { type: 'string' },
  rights: { type: 'string' },
  timeout: { type: 'string' },
  'allow-loose-permissions': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The actions, and the options each takes besides --secret-key-file, --allow-loose-permissions and --help. */
const ACTIONS = {
  serve: ['group', 'journal', 'admin', 'heartbeat', 'primary', 'backup'],
  add: ['server-key', 'group', 'key', 'name', 'expires', 'rights', 'timeout'],
  revoke: ['server-key', 'group', 'key', 'timeout'],
  list: ['server-key', 'group', 'timeout'],
  watch: ['server-key', 'group', 'timeout'],
} as const satisfies Record<string, readonly (keyof typeof OPTIONS)[]>;

/** One of the `keys` actions. */
export type KeysAction = keyof typeof ACTIONS;
/** Parsed options of `keys`. */
export type KeysValues = ParsedCommand<typeof OPTIONS>['values'];

/** Where a run of `keys` writes, and what stops `serve` and `watch`. */
export interface KeysIo {
  /** One result line (stdout): a listed key, a change watched, what add or revoke did. */
  readonly out: (line: string) => void;
  /** One diagnostic line (stderr). */
  readonly log: (line: string) => void;
  /** Stops `serve` and `watch`. */
  readonly signal: AbortSignal;
  /** Where `--secret-key-file -` reads (default the process's stdin). */
  readonly stdin?: Readable;
}

/** What every action gets: the endpoint, own secret key (wiped after the action), the options. */
export interface KeysContext {
  readonly endpoint: string;
  readonly address: FleetAddress;
  readonly secretKey: Uint8Array;
  readonly values: KeysValues;
  readonly io: KeysIo;
}

/** Runs `curvezmq keys ...` with the process's output and signals. */
export async function keys(args: string[]): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    return await runKeys(args, {
      out: (line) => process.stdout.write(line + '\n'),
      log: (line) => process.stderr.write(line + '\n'),
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/** Runs `keys` with the given I/O; returns the exit code. */
export async function runKeys(args: string[], io: KeysIo): Promise<number> {
  let context: KeysContext | 'help';
  let action: KeysAction;
  try {
    [action, context] = await parse(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.log(`curvezmq keys: ${error.message}\n${HELP.split('\n\n')[0]}\nRun 'curvezmq keys --help' for the options.`);
    return EXIT.USAGE;
  }
  if (context === 'help') {
    io.out(HELP.trimEnd());
    return EXIT.OK;
  }
  const { secretKey } = context;
  try {
    if (action === 'serve') return await (await import('./keys-serve')).serveKeys(context);
    return await (await import('./keys-client'))[action](context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.log(`curvezmq keys ${action}: ${error.message}`);
      return EXIT.USAGE;
    }
    const code = exitCodeFor(error);
    if (code === EXIT.OK) return code; // stopped by the signal
    io.log(`curvezmq keys ${action}: ${(error as Error).message}`);
    return code;
  } finally {
    secretKey.fill(0);
  }
}

async function parse(args: string[], io: KeysIo): Promise<[KeysAction, KeysContext | 'help']> {
  const [verb, ...rest] = args;
  if (verb === '--help' || verb === '-h' || verb === 'help') return ['serve', 'help'];
  if (verb === undefined) throw new UsageError('expected an action: serve, add, revoke, list or watch');
  if (!Object.hasOwn(ACTIONS, verb)) {
    const match = closest(verb, Object.keys(ACTIONS));
    throw new UsageError(`unknown action '${verb}'${match === undefined ? '' : ` (did you mean ${match}?)`}`);
  }
  const action = verb as KeysAction;
  const { values, positionals, given } = parseCommand(rest, OPTIONS);
  if (values.help === true) return [action, 'help'];
  const allowed = new Set<string>([...ACTIONS[action], 'secret-key-file', 'allow-loose-permissions', 'help']);
  const misplaced = [...given].find((name) => !allowed.has(name));
  if (misplaced !== undefined) throw new UsageError(`keys ${action} does not take --${misplaced}`);
  if (positionals.length !== 1) throw new UsageError(`keys ${action}: expected exactly one ENDPOINT`);
  const endpoint = positionals[0]!;
  const address = asUsage(() => parseFleetEndpoint(endpoint, 'ENDPOINT'));
  if (values['secret-key-file'] === undefined) throw new UsageError(`keys ${action} needs --secret-key-file`);
  const secrets = new SecretReader({ allowLoosePermissions: values['allow-loose-permissions'] === true, warn: io.log, stdin: io.stdin });
  const secretKey = await readOption('--secret-key-file', () => secrets.secretKey(values['secret-key-file']!, '--secret-key-file'));
  return [action, { endpoint, address, secretKey, values, io }];
}

/** A public key option (Z85 or a file), or a usage error naming the option. */
export function publicKeyOption(value: string, option: string): Promise<Uint8Array> {
  return readOption(option, () => resolveKey(value, 'public'));
}

async function readOption<T>(option: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof SecretOptionError) throw new UsageError(error.message);
    throw new UsageError(`${option}: ${(error as Error).message}`);
  }
}

/** `make()`, with a RangeError or TypeError (a malformed value) turned into a usage error. */
export function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/** A positive whole number of milliseconds from `--option`, or `fallback`. */
export function millisecondsOption(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(ms) || ms <= 0 || ms > 2 ** 31 - 1) {
    throw new UsageError(`${option} expected a positive whole number of milliseconds`);
  }
  return ms;
}
