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
 * ```
 *
 * KEY is a 40-character Z85 string or a path to a key or certificate file; for `--secret-key`
 * also `-` (stdin). Secret files must be readable by their owner only (see `secret-option.ts`).
 *
 * @module
 */
import { defaultRegistry } from '../mechanisms';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { joinStringValues } from './args';
import { secureRandom, type Authorizer } from '../src';
import type { AnyMechanismOptions } from '../src/registry';
import { allowAny, allowKeys, firstMatch, passwordFile } from '../src/trust';
import { allowDirAuthorizer, resolveKey } from './key-option';
import { SecretOptionError, SecretReader } from './secret-option';
import type { ConnectContext, Log, ServeContext } from './transports/types';

/** A command-line mistake: the command prints it and exits with `EXIT.USAGE`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

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
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(args: string[]) {
  try {
    return parseArgs({ args: joinStringValues(args, OPTIONS), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
    if (mechanism === 'NULL') return undefined;
    throw new UsageError(
      `a ${mechanism} server needs --allow, --allow-dir, --allow-any${mechanism === 'PLAIN' ? ' or --passwords' : ''}; it refuses to start without`,
    );
  }
  return parts.length === 1 ? parts[0] : firstMatch(...parts);
}

/**
 * Resolves `serve` arguments.
 *
 * @throws {@link UsageError} on any command-line mistake
 */
export async function serveContext(args: string[], log: Log, signal: AbortSignal, input: SecretInput = {}): Promise<ServeContext | 'help'> {
  const { values, positionals } = parse(args);
  if (values.help) return 'help';
  const endpoint = endpointOf(positionals);
  const mechanism = mechanismOf(values);
  const secrets = secretReader(values, endpoint, log, input);
  const secretKey = await ownSecretKey(values, secrets);
  if (mechanism === 'CURVE' && secretKey === undefined) {
    throw new UsageError('a CURVE server needs --secret-key or --cert');
  }
  const authorizer = await authorizerOf(values, mechanism, log, secrets);
  const serverOptions: AnyMechanismOptions = secretKey === undefined ? {} : { secretKey };
  return { endpoint, mechanism, registry: defaultRegistry, serverOptions, authorizer, log, signal };
}

/**
 * Resolves `connect` arguments.
 *
 * @throws {@link UsageError} on any command-line mistake
 */
export async function connectContext(args: string[], log: Log, input: SecretInput = {}): Promise<ConnectContext | 'help'> {
  const { values, positionals } = parse(args);
  if (values.help) return 'help';
  const endpoint = endpointOf(positionals);
  const mechanism = mechanismOf(values);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout must be a positive whole number of milliseconds');
  const clientOptions = await clientOptionsOf(values, mechanism, secretReader(values, endpoint, log, input));
  return { endpoint, mechanism, registry: defaultRegistry, clientOptions, messages: values.message ?? [], timeoutMs, log };
}

async function clientOptionsOf(values: Values, mechanism: string, secrets: SecretReader): Promise<AnyMechanismOptions> {
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
  // Without a key of its own the client uses a throw-away one: the server sees a stranger.
  const secretKey = (await ownSecretKey(values, secrets)) ?? secureRandom(32);
  return { secretKey, serverKey };
}

/** Help text for `serve` and `connect`. */
export const OPTIONS_HELP = `options:
  --mechanism curve|plain|null   security mechanism (default curve)
  --secret-key KEY               own long-term secret key: a key or certificate file, - for
                                 stdin, or the Z85 key itself (warned about: visible in ps)
  --cert FILE                    own certificate file (the secret one), instead of --secret-key
  --server-key KEY               connect: the server's public key (CURVE)
  --allow KEY[,KEY...]           serve: client public keys let in (repeatable)
  --allow-dir DIR                serve: directory of public certificates let in
  --allow-any                    serve: let any client in
  --passwords FILE               serve (PLAIN): user=password lines
  --username U                   connect (PLAIN): the user name
  --password-file FILE           connect (PLAIN): the password on one line; - for stdin
  --password P                   connect (PLAIN): the password itself (warned about: visible in ps)
  --allow-loose-permissions      use secret files (keys, certificates, passwords) that group or
                                 others may read; without it they are refused (chmod 600)
  --message TEXT                 connect: a message to send and expect back (repeatable)
  --timeout MS                   connect: handshake and reply timeout (default 5000)

ENDPOINT: tcp://HOST:PORT, ipc://PATH, inproc://NAME (ZeroMQ); tcp+stream://HOST:PORT (raw TCP
stream); - (stream framing on stdin/stdout)
exit codes: 0 ok, 1 failure, 2 usage, 3 refused, 4 protocol error, 5 timeout`;
