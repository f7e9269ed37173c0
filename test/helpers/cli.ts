import { main } from '../../cli/main';
import { serveContext } from '../../cli/options';
import { transportFor } from '../../cli/transports';
import type { ServeContext } from '../../cli/transports/types';

/** What one `curvezmq` command line did: its exit code and what it printed. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `curvezmq ...argv` in this process, capturing stdout and stderr. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A `curvezmq serve` running in this process (see {@link serveInProcess}). */
export interface ServeRun {
  /** The endpoint it logged as bound (the port filled in). */
  readonly endpoint: string;
  /** Every line it logged so far. */
  readonly lines: string[];
  /** Stops it (as SIGTERM would) and resolves with its exit code. */
  stop(): Promise<number>;
}

/**
 * Runs `curvezmq serve ...args` in this process and resolves once it logs "listening on"; rejects
 * with its log when it ends first.
 */
export async function serveInProcess(args: readonly string[]): Promise<ServeRun> {
  const controller = new AbortController();
  const lines: string[] = [];
  let listening!: (endpoint: string) => void;
  const bound = new Promise<string>((resolve) => (listening = resolve));
  const log = (line: string) => {
    lines.push(line);
    const match = /^listening on (\S+)/.exec(line);
    if (match) listening(match[1]!);
  };
  const context = (await serveContext([...args], log, controller.signal)) as ServeContext;
  const running = (await transportFor(context.endpoint, context.envelope)).serve(context);
  const endpoint = await Promise.race([bound, running.then(() => Promise.reject(new Error(lines.join('\n'))))]);
  return { endpoint, lines, stop: () => (controller.abort(), running) };
}
