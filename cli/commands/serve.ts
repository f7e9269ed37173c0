/**
 * `curvezmq serve ENDPOINT [options]`: an echo server on any transport. It refuses to start a
 * CURVE or PLAIN server with no way to decide who may enter. With `--workers N` the process
 * becomes the primary of N workers that share the port (`../workers`).
 *
 * @module
 */
import { describe } from '../diagnose';
import { EXIT, exitCodeFor } from '../exit-codes';
import { OPTIONS_HELP, serveContext, UsageError, withFleet } from '../options';
import { transportFor } from '../transports';
import { isWorker, serveWorkers, workerDone, workerLog } from '../workers';

const HELP = `usage: curvezmq serve ENDPOINT [options]\n\nAn echo server: every message is sent back.\n\n${OPTIONS_HELP}\n`;

/** Runs `serve` until SIGINT or SIGTERM. */
export async function serve(args: string[]): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const log = workerLog((line) => process.stderr.write(line + '\n'));
    const context = await serveContext(args, log, controller.signal);
    if (context === 'help') return help();
    const transport = await transportFor(context.endpoint, context.envelope);
    if ((context.workers ?? 1) > 1 && !isWorker()) return await serveWorkers(context);
    let followed;
    try {
      followed = await withFleet(context);
    } catch (error) {
      log(`error: cannot follow the fleet at ${context.fleet?.endpoint}: ${describe(error)}`);
      return exitCodeFor(error);
    }
    try {
      const code = await transport.serve(followed.context);
      workerDone();
      return code;
    } finally {
      await followed.close();
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`curvezmq serve: ${error.message}\n${HELP.split('\n')[0]}\nRun 'curvezmq serve --help' for its options.\n`);
    return EXIT.USAGE;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT.OK;
}
