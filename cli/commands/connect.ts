/**
 * `curvezmq connect ENDPOINT --message TEXT... [options]`: sends each message to an echo server
 * and checks that it comes back. Exits 0 only when every reply matched; otherwise non-zero with
 * a one-line reason on stderr (refused 3, protocol error or wrong server key 4, timeout 5).
 *
 * @module
 */
import { EXIT } from '../exit-codes';
import { connectContext, OPTIONS_HELP, UsageError } from '../options';
import { transportFor } from '../transports';

const HELP = `usage: curvezmq connect ENDPOINT --message TEXT [--message TEXT...] [options]\n\nSends each message to an echo server and checks the replies.\n\n${OPTIONS_HELP}\n`;

/** Runs `connect`. */
export async function connect(args: string[]): Promise<number> {
  try {
    const context = await connectContext(args, (line) => process.stderr.write(line + '\n'));
    if (context === 'help') {
      process.stdout.write(HELP);
      return EXIT.OK;
    }
    const transport = await transportFor(context.endpoint, context.envelope);
    return await transport.connect(context);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`curvezmq connect: ${error.message}\n${HELP.split('\n')[0]}\nRun 'curvezmq connect --help' for its options.\n`);
    return EXIT.USAGE;
  }
}
