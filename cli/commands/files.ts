/**
 * `curvezmq files`: secure file distribution (FileMQ-style, see `docs/filemq.md`).
 *
 * ```
 * curvezmq files serve DIR ENDPOINT [key options]
 * curvezmq files get PATH ENDPOINT --into DIR [key options] [--timeout MS]
 * ```
 *
 * The key options are those of `serve` and `connect` (`cli/options.ts`). `get` exits 0 only
 * when every file arrived and its SHA-256 matched; a refused client exits 3 and writes nothing.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import { FileMqServer, syncFiles } from '../../src/adapters/zeromq/filemq';
import { deny } from '../../src/auth';
import { isFileMqError, type FileMqErrorCode } from '../../src/filemq';
import { WRONG_SERVER_KEY } from '../diagnose';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes';
import { connectContext, OPTION_LINES, serveContext, UsageError } from '../options';
import type { Log } from '../transports/types';
import { ProgressBar, type BarOutput } from './files-progress';

/** The key options of serve and connect, without the two that mean nothing to files. */
const FILES_OPTION_LINES = OPTION_LINES.split('\n')
  .filter((line) => !/^ {2}--(message|timeout) /.test(line))
  .join('\n')
  .replace(/^options:/, 'key options:');

const HELP = `usage:
  curvezmq files serve DIR ENDPOINT [options]
  curvezmq files get PATH ENDPOINT --into DIR [options]

Serves the files under DIR, or fetches PATH ("/" for everything) into DIR. A second get
fetches only what changed; an interrupted get resumes where it stopped. Every file is checked
against its SHA-256 before it appears under its name.

  ENDPOINT                       tcp://HOST:PORT (serve: PORT may be *), ipc://PATH; also
                                 accepted as --endpoint ENDPOINT
  --into DIR                     get: the directory to write into
  --timeout MS                   get: give up after this long without a word from the server
  --retries N                    get: when a transfer breaks off, resume it N times (default 3)

${FILES_OPTION_LINES}

${EXIT_CODES_HELP}\n`;

/** What a run of `files` talks to; `files()` uses the process's, tests their own. */
export interface FilesIo {
  /** One-line messages (stderr). */
  readonly log: Log;
  /** Where the progress bar goes (stderr; drawn only when it is a terminal). */
  readonly progress: BarOutput;
  /** Stops `serve`. */
  readonly signal: AbortSignal;
}

/** Runs `curvezmq files ...` with the process's stderr and signals. */
export async function files(args: string[]): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    return await runFiles(args, { log: (line) => process.stderr.write(line + '\n'), progress: process.stderr, signal: controller.signal });
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/** Runs `files` with the given I/O; returns the exit code. */
export async function runFiles(args: string[], io: FilesIo): Promise<number> {
  const [verb, target, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h' || target === '--help' || target === '-h') {
    return verb === undefined ? (process.stderr.write(HELP), EXIT.USAGE) : help();
  }
  try {
    if (target === undefined || target.startsWith('--')) throw new UsageError(`files ${verb}: expected ${verb === 'get' ? 'PATH' : 'DIR'} first`);
    // ENDPOINT is positional, as in serve and connect; --endpoint stays for scripts written before.
    const positional = rest[0] !== undefined && !rest[0].startsWith('-') ? rest.shift() : undefined;
    const { endpoint: named, into, retries, remaining } = ownOptions(rest);
    if (positional !== undefined && named !== undefined) throw new UsageError('give ENDPOINT or --endpoint, not both');
    const endpoint = positional ?? named;
    if (remaining.some((arg) => /^--message(=|$)/.test(arg))) throw new UsageError('--message is a connect option; files does not take it');
    const transportOption = remaining.find((arg) => /^--(envelope|workers)(=|$)/.test(arg));
    if (transportOption !== undefined) throw new UsageError(`${transportOption.split('=')[0]} is a serve/connect option; files does not take it`);
    if (verb === 'serve' && remaining.some((arg) => /^--timeout(=|$)/.test(arg))) throw new UsageError('--timeout is a files get option; files serve does not take it');
    if (endpoint === undefined) throw new UsageError('ENDPOINT is required');
    if (verb === 'serve') return await serveFiles(target, endpoint, remaining, io);
    if (verb === 'get') {
      if (into === undefined) throw new UsageError('--into is required');
      return await getFiles(target, endpoint, into, retriesOf(retries), remaining, io);
    }
    throw new UsageError(`unknown files command '${verb}' (serve or get)`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.log(`curvezmq files: ${error.message}`);
    return EXIT.USAGE;
  }
}

async function serveFiles(dir: string, endpoint: string, args: string[], io: FilesIo): Promise<number> {
  const context = await serveContext([...args, endpoint], io.log, io.signal);
  if (context === 'help') return help();
  if ((await stat(dir).catch(() => undefined))?.isDirectory() !== true) throw new UsageError(`${dir} is not a directory`);
  const server = new FileMqServer({
    root: dir,
    mechanism: context.mechanism,
    registry: context.registry,
    mechanismOptions: context.serverOptions,
    // NULL without --allow-any gives no authorizer: any decision asked for is then a refusal.
    authorizer: context.authorizer ?? (() => deny('No authorizer')),
  });
  server.on('session:close', (route, error) => {
    if (error !== undefined) io.log(`peer ${route.slice(0, 8)}: ${error.message}`);
  });
  try {
    const bound = await server.bind(endpoint);
    io.log(`serving ${dir} on ${bound} (${context.mechanism})`);
    await new Promise<void>((resolve) => {
      if (context.signal.aborted) resolve();
      else context.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return EXIT.OK;
  } finally {
    await server.close();
  }
}

async function getFiles(path: string, endpoint: string, into: string, retries: number, args: string[], io: FilesIo): Promise<number> {
  const context = await connectContext([...args, endpoint], io.log);
  if (context === 'help') return help();
  const bar = new ProgressBar(io.progress);
  try {
    const result = await syncFiles({
      endpoint,
      into,
      path,
      mechanism: context.mechanism,
      registry: context.registry,
      mechanismOptions: context.clientOptions,
      handshakeTimeout: context.timeoutMs,
      idleTimeout: context.timeoutMs,
      retries,
      onProgress: (p) => bar.update(p.receivedBytes, p.expectedBytes),
    });
    bar.finish();
    if (io.progress.isTTY === true) io.log(`${result.files.length} files, ${result.bytes} bytes received and verified`);
    return EXIT.OK;
  } catch (error) {
    bar.finish();
    if (!isFileMqError(error)) throw error;
    // The server's refusal says "handshake failed" when it could not open our HELLO, which is
    // what a wrong server key looks like: the same code and words as `connect` (4), not 3.
    if (error.code === 'ERR_FILEMQ_REFUSED' && /handshake failed$/.test(error.message)) {
      io.log(`curvezmq files get: ${WRONG_SERVER_KEY}`);
      return EXIT.PROTOCOL;
    }
    io.log(`curvezmq files get: ${error.message}`);
    return exitCodeOf(error.code);
  }
}

/** The exit code for a failed sync. */
export function exitCodeOf(code: FileMqErrorCode): number {
  switch (code) {
    case 'ERR_FILEMQ_REFUSED':
      return EXIT.REFUSED;
    case 'ERR_FILEMQ_TIMEOUT':
      return EXIT.TIMEOUT;
    case 'ERR_FILEMQ_CLOSED':
    case 'ERR_FILEMQ_NOT_FOUND':
      return EXIT.FAILURE;
    default:
      return EXIT.PROTOCOL;
  }
}

function retriesOf(value: string | undefined): number {
  const retries = Number(value ?? 3);
  if (!Number.isSafeInteger(retries) || retries < 0) throw new UsageError('--retries must be a whole number, 0 or more');
  return retries;
}

/** Takes `--endpoint`, `--into`, `--retries` (as `--x V` or `--x=V`) out; the rest goes to the shared parser. */
function ownOptions(args: string[]): { endpoint?: string; into?: string; retries?: string; remaining: string[] } {
  const own: Record<string, string> = {};
  const remaining: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--(endpoint|into|retries)(?:=(.*))?$/.exec(arg);
    if (match === null) {
      remaining.push(arg);
      continue;
    }
    const value = match[2] ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`--${match[1]} needs a value`);
    own[match[1]!] = value;
  }
  return { endpoint: own.endpoint, into: own.into, retries: own.retries, remaining };
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT.OK;
}
