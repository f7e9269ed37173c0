/**
 * The options `serve` and `connect` share, the same for every transport:
 *
 * ```
 * --mechanism curve|plain|null   (default curve)
 * --secret-key KEY               own long-term secret; the public key is derived
 * --cert FILE                    own certificate (its secret file), instead of --secret-key
 * --server-key KEY               connect: the server's public key (CURVE)
 * --allow KEY[,KEY...]           serve: client keys let in (repeatable)
 * --allow-dir DIR                serve: a directory of public certificates let in
 * --allow-any                    serve: let any client in (explicit; never the default)
 * --passwords FILE               serve, PLAIN: user=password lines
 * --username U                   connect, PLAIN
 * --password-file FILE           connect, PLAIN: the password, on one line (- for stdin)
 * --password P                   connect, PLAIN: the password itself (warned about: visible in ps)
 * --allow-loose-permissions      use secret files that group or others may read
 * --message TEXT                 connect: a message to send (repeatable)
 * --timeout MS                   connect: handshake and reply timeout (default 5000)
 * --envelope                     tcp://, ipc://: this package's own envelope over ZeroMQ NULL sockets
 * --workers N                    serve: N processes sharing the port (tcp+stream://, tcp://)
 * ```
 *
 * KEY is a 40-character Z85 string or a path to a key or certificate file; for `--secret-key`
 * also `-` (stdin). Secret files must be readable by their owner only (see `secret-option.ts`).
 *
 * @module
 */
import { defaultRegistry } from '../mechanisms';
import type { Readable } from 'node:stream';
import { EXIT_CODES_HELP } from './exit-codes';
import { parseCommand, UsageError } from './usage';
import { secureRandom, type Authorizer } from '../src';
import type { AnyMechanismOptions } from '../src/registry';
import { allowAny, allowKeys, firstMatch, passwordFile } from '../src/trust';
import { allowDirAuthorizer, resolveKey } from './key-option';
import { SecretOptionError, SecretReader } from './secret-option';
import type { ConnectContext, Log, ServeContext } from './transports/types';

export { UsageError };

const OPTIONS = {
  mechanism: { type: 'string', default: 'curve' },
  'secret-key': { type: 'string' },
  cert: { type: 'string' },
  'server-key': { type: 'string' },
  allow: { type: 'string', multiple: true },
  'allow-dir': { type: 'string' },
  'allow-any': { type: 'boolean' },
  passwords: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'password-file': { type: 'string' },
  'allow-loose-permissions': { type: 'boolean' },
  message: { type: 'string', multiple: true },
  timeout: { type: 'string', default: '5000' },
  envelope: { type: 'boolean' },
  workers: { type: 'string' },
  'allow-fleet': { type: 'string' },
  'fleet-key': { type: 'string' },
  group: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options that only one side uses; the other side refuses them rather than ignoring them. */
const ONLY: Record<'serve' | 'connect', readonly (keyof typeof OPTIONS)[]> = {
  serve: ['allow', 'allow-dir', 'allow-any', 'passwords', 'workers', 'allow-fleet', 'fleet-key', 'group'],
  connect: ['server-key', 'username', 'password', 'password-file', 'message', 'timeout'],
};

type Values = ReturnType<typeof parse>['values'];

/** Parses `args` for `role`; an option of the other role is a usage error naming the role. */
function parse(args: string[], role: 'serve' | 'connect') {
  const parsed = parseCommand(args, OPTIONS);
  const other = role === 'serve' ? 'connect' : 'serve';
  const misplaced = ONLY[other].find((name) => parsed.given.has(name));
  if (misplaced !== undefined) throw new UsageError(`--${misplaced} is a ${other} option; ${role} does not take it`);
  return parsed;
}

/** The one positional argument, the endpoint. */
function endpointOf(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('expected exactly one ENDPOINT');
  return positionals[0]!;
}

function mechanismOf(values: Values): string {
  const name = values.mechanism.toUpperCase();
  if (!defaultRegistry.has(name)) {
    throw new UsageError(`--mechanism must be one of ${defaultRegistry.names().join(', ').toLowerCase()}`);
  }
  return name;
}

async function ownSecretKey(values: Values, secrets: SecretReader): Promise<Uint8Array | undefined> {
  if (values['secret-key'] !== undefined && values.cert !== undefined) {
    throw new UsageError('give --secret-key or --cert, not both');
  }
  const source = values['secret-key'] ?? values.cert;
  if (source === undefined) return undefined;
  const option = values.cert !== undefined ? '--cert' : '--secret-key';
  return asUsage(option, () => secrets.secretKey(source, option));
}

async function keyOption(value: string, which: 'public' | 'secret', option: string): Promise<Uint8Array> {
  return asUsage(option, () => resolveKey(value, which));
}

/** Runs `read`; a failure to read what an option names is a usage error (exit 2), not a crash. */
async function asUsage<T>(option: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof SecretOptionError) throw new UsageError(error.message);
    throw new UsageError(`${option}: ${(error as Error).message}`);
  }
}

/** Where `-` reads a secret from, for tests; the command's stdin otherwise. */
export interface SecretInput {
  readonly stdin?: Readable;
}

function secretReader(values: Values, endpoint: string, log: Log, input: SecretInput): SecretReader {
  return new SecretReader({
    allowLoosePermissions: values['allow-loose-permissions'] === true,
    warn: log,
    stdin: input.stdin,
    stdinInUse: endpoint === '-',
  });
}

/** Builds the server's decision step from --allow, --allow-dir, --allow-any, --passwords. */
async function authorizerOf(values: Values, mechanism: string, log: Log, secrets: SecretReader): Promise<Authorizer | undefined> {
  const parts: Authorizer[] = [];
  if (values['allow-any']) parts.push(allowAny());
  const keys = (values.allow ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (keys.length > 0) {
    const resolved = await Promise.all(keys.map((k) => keyOption(k, 'public', '--allow')));
    parts.push(allowKeys(resolved));
  }
  if (values['allow-dir'] !== undefined) parts.push(await allowDirAuthorizer(values['allow-dir'], { log }));
  if (values.passwords !== undefined) {
    // Read later by the library, on every change; checked here once, where a person can fix it.
    await asUsage('--passwords', () => secrets.checkFile(values.passwords!, '--passwords'));
    const passwords = passwordFile(values.passwords);
    passwords.passwords.on('invalid', (error) => log(`skipped: ${error.message}`));
    parts.push(passwords);
  }
  if (parts.length === 0) {
    // The fleet's authorizer joins later (serve.ts opens it in the process that serves).
    if (values['allow-fleet'] !== undefined) return undefined;
    if (mechanism === 'NULL') return undefined;
    throw new UsageError(
      `a ${mechanism} server needs --allow, --allow-dir, --allow-any, --allow-fleet${mechanism === 'PLAIN' ? ' or --passwords' : ''}; it refuses to start without`,
    );
  }
  return logDenials(parts.length === 1 ? parts[0]! : firstMatch(...parts), log);
}

/**
 * Logs every refusal with the key (Z85) or user name refused: the line an operator needs to
 * decide whom to add to the allow-list.
 */
function logDenials(authorizer: Authorizer, log: Log): Authorizer {
  return async (request) => {
    const answer = await authorizer(request);
    const allowed = typeof answer === 'boolean' ? answer : answer.status === 200;
    if (!allowed) {
      const who = request.publicKeyZ85 !== undefined ? `key ${request.publicKeyZ85}` : request.username !== undefined ? `user ${JSON.stringify(request.username)}` : 'anonymous peer';
      const why = typeof answer === 'boolean' ? '' : ` (${answer.status} ${answer.statusText ?? ''})`.replace(' )', ')');
      log(`denied: ${request.mechanism} client ${who}${why}`);
    }
    return answer;
  };
}

/**
 * Resolves `serve` arguments.
 *
 * @throws {@link UsageError} on any command-line mistake
 */
export async function serveContext(args: string[], log: Log, signal: AbortSignal, input: SecretInput = {}): Promise<ServeContext | 'help'> {
  const { values, positionals } = parse(args, 'serve');
  if (values.help) return 'help';
  const endpoint = endpointOf(positionals);
  const mechanism = mechanismOf(values);
  const workers = workersOf(values.workers, endpoint, values.envelope === true);
  // Every worker reads the key itself, and only one of them could read it from stdin.
  if (workers > 1 && values['secret-key'] === '-') throw new UsageError('--workers needs --secret-key or --cert as a file, not - (stdin)');
  const secrets = secretReader(values, endpoint, log, input);
  const secretKey = await ownSecretKey(values, secrets);
  if (mechanism === 'CURVE' && secretKey === undefined) {
    throw new UsageError('a CURVE server needs --secret-key or --cert');
  }
  const authorizer = await authorizerOf(values, mechanism, log, secrets);
  const serverOptions: AnyMechanismOptions = secretKey === undefined ? {} : { secretKey };
  const fleet = await fleetOf(values, mechanism, secretKey);
  return { endpoint, mechanism, registry: defaultRegistry, serverOptions, authorizer, log, signal, envelope: values.envelope === true, workers, ...(fleet ? { fleet } : {}) };
}

/** What `--allow-fleet ENDPOINT --fleet-key KEY --group G` asks for; opened by {@link withFleet}. */
export interface FleetChoice {
  readonly endpoint: string;
  readonly serverKey: Uint8Array;
  readonly group: string;
  readonly secretKey: Uint8Array;
}

async function fleetOf(values: Values, mechanism: string, secretKey: Uint8Array | undefined): Promise<FleetChoice | undefined> {
  const endpoint = values['allow-fleet'];
  if (endpoint === undefined) {
    const stray = (['fleet-key', 'group'] as const).find((name) => values[name] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} goes with --allow-fleet`);
    return undefined;
  }
  if (mechanism !== 'CURVE') throw new UsageError('--allow-fleet admits public keys: it needs --mechanism curve');
  if (values['fleet-key'] === undefined) throw new UsageError("--allow-fleet needs --fleet-key (the fleet server's public key)");
  if (values.group === undefined) throw new UsageError('--allow-fleet needs --group (whose keys the fleet lists)');
  const serverKey = await keyOption(values['fleet-key'], 'public', '--fleet-key');
  // The service follows the fleet with its own key pair: the fleet must list it with `read`.
  return { endpoint, serverKey, group: values.group, secretKey: secretKey! };
}

/**
 * Follows the fleet `context.fleet` names and returns the context with its keys admitted (beside
 * any other --allow) and their sessions ended when the fleet drops them; `close` stops following.
 * Called by the process that serves (each worker, not the primary).
 */
export async function withFleet(context: ServeContext): Promise<{ context: ServeContext; close: () => Promise<void> }> {
  const choice = context.fleet;
  if (choice === undefined) return { context, close: async () => undefined };
  const { openFleetTrust } = await import('./fleet-trust');
  const trust = await openFleetTrust({ endpoint: choice.endpoint, group: choice.group, serverKey: choice.serverKey, secretKey: choice.secretKey, signal: context.signal });
  const fleet = logDenials(trust.authorizer, context.log);
  const authorizer = context.authorizer === undefined ? fleet : firstMatch(context.authorizer, fleet);
  context.log(`following the fleet at ${choice.endpoint} (group ${choice.group})`);
  return {
    context: { ...context, authorizer, enforce: (server) => trust.authorizer.enforce(server) },
    close: () => trust.close(),
  };
}

/** The most processes `--workers` starts: more than any machine's cores, fewer than a mistake's. */
const MAX_WORKERS = 256;

/**
 * `--workers N`: N processes sharing one listening port, which only a port Node listens on can
 * be (tcp+stream://, and tcp:// in ZMTP); libzmq binds its own, and a Unix path or stdio is one.
 */
function workersOf(value: string | undefined, endpoint: string, envelope: boolean): number {
  if (value === undefined) return 1;
  const workers = Number(value);
  if (!/^\d+$/.test(value) || workers < 1 || workers > MAX_WORKERS) throw new UsageError(`--workers must be a whole number from 1 to ${MAX_WORKERS}`);
  if (envelope || !/^tcp(\+stream)?:\/\//.test(endpoint)) {
    throw new UsageError(
      `--workers needs a tcp+stream:// or tcp:// endpoint without --envelope: ${envelope ? 'a ZeroMQ socket binds its port in one process' : `${endpoint} cannot be shared between processes`} (see docs/scaling.md)`,
    );
  }
  return workers;
}

/**
 * Resolves `connect` arguments.
 *
 * @throws {@link UsageError} on any command-line mistake
 */
export async function connectContext(args: string[], log: Log, input: SecretInput = {}): Promise<ConnectContext | 'help'> {
  const { values, positionals } = parse(args, 'connect');
  if (values.help) return 'help';
  const endpoint = endpointOf(positionals);
  const mechanism = mechanismOf(values);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout must be a positive whole number of milliseconds');
  const clientOptions = await clientOptionsOf(values, mechanism, secretReader(values, endpoint, log, input), log);
  return { endpoint, mechanism, registry: defaultRegistry, clientOptions, messages: values.message ?? [], timeoutMs, log, envelope: values.envelope === true };
}

async function clientOptionsOf(values: Values, mechanism: string, secrets: SecretReader, log: Log): Promise<AnyMechanismOptions> {
  if (mechanism === 'PLAIN') {
    const password = await asUsage('--password-file', () => secrets.password(values.password, values['password-file']));
    if (values.username === undefined || password === undefined) {
      throw new UsageError('a PLAIN client needs --username and --password-file (or --password)');
    }
    return { username: values.username, password };
  }
  if (mechanism !== 'CURVE') return {};
  if (values['server-key'] === undefined) throw new UsageError('a CURVE client needs --server-key');
  const serverKey = await keyOption(values['server-key'], 'public', '--server-key');
  // Without a key of its own the client uses a throw-away one: the server sees a stranger, and
  // a refusal would otherwise be a puzzle, so the user is told.
  let secretKey = await ownSecretKey(values, secrets);
  if (secretKey === undefined) {
    log('note: no --secret-key or --cert: using a throw-away key, which an allow-list will not know');
    secretKey = secureRandom(32);
  }
  return { secretKey, serverKey };
}

/** The option lines of `serve` and `connect` (also the key options of `files`). */
export const OPTION_LINES = `options:
  --mechanism curve|plain|null   security mechanism (default curve)
  --secret-key KEY               own long-term secret key: a key or certificate file, - for
                                 stdin, or the Z85 key itself (warned about: visible in ps)
  --cert FILE                    own certificate file (the secret one), instead of --secret-key
  --server-key KEY               connect: the server's public key (CURVE)
  --allow KEY[,KEY...]           serve: client public keys let in (repeatable)
  --allow-fleet tcp://HOST:PORT  serve: also let in the keys a fleet lists (curvezmq keys serve),
                                 and end their sessions when the fleet drops them
  --fleet-key KEY                serve: the fleet server's public key (with --allow-fleet)
  --group G                      serve: the fleet group whose keys are let in (with --allow-fleet)
  --allow-dir DIR                serve: directory of public certificates let in
  --allow-any                    serve: let any client in
  --passwords FILE               serve (PLAIN): user=password lines
  --username U                   connect (PLAIN): the user name
  --password-file FILE           connect (PLAIN): the password on one line; - for stdin
  --password P                   connect (PLAIN): the password itself (warned about: visible in ps)
  --allow-loose-permissions      use secret files (keys, certificates, passwords) that group or
                                 others may read; without it they are refused (chmod 600)
  --message TEXT                 connect: a message to send and expect back (repeatable)
  --timeout MS                   connect: handshake and reply timeout (default 5000)`;

/** The options of `serve` and `connect` that choose how they travel (not `files`'). */
const TRANSPORT_LINES = `  --envelope                     tcp://, ipc://, inproc://: this package's own session envelope
                                 over ZeroMQ NULL sockets instead of libzmq's CURVE/PLAIN/NULL;
                                 both ends must be curvezmq (and need the zeromq package)
  --workers N                    serve: N processes sharing the port (tcp+stream://, tcp://)`;

/** Help text for `serve` and `connect`. */
export const OPTIONS_HELP = `${OPTION_LINES}
${TRANSPORT_LINES}

ENDPOINT: tcp://HOST:PORT, ipc://PATH: ZMTP 3.1 with libzmq's own CURVE, PLAIN or NULL, so
pyzmq, CZMQ, libzmq and zeromq.js peers talk to it (with --envelope: curvezmq at both ends,
inproc://NAME too); tcp+stream://HOST:PORT: the stream framing over TCP (curvezmq at both
ends); -: the stream framing on stdin/stdout

${EXIT_CODES_HELP}`;
