/**
 * The `curvezmq` command: dispatches to one module per sub-command in `./commands/`.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';
import { didYouMean } from './usage';

/** A sub-command: takes its own arguments, returns the exit code. */
export type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'run an echo server (ZeroMQ, TCP stream or stdio)', load: async () => (await import('./commands/serve')).serve },
  connect: { summary: 'send messages to an echo server and check the replies', load: async () => (await import('./commands/connect')).connect },
  hello: { summary: 'run the hello-world handshake and print it', load: async () => (await import('./commands/hello')).hello },
  keygen: { summary: 'make a certificate (public and secret files), like zmakecert', load: async () => (await import('./commands/keygen')).keygen },
  cert: { summary: 'cert show FILE | cert list DIR: inspect certificates and allow-lists', load: async () => (await import('./commands/cert')).cert },
  bench: { summary: 'measure CURVE handshakes and messages in memory, per crypto backend', load: async () => (await import('./commands/bench')).bench },
  files: { summary: 'files serve DIR / files get PATH --into DIR: secure file distribution', load: async () => (await import('./commands/files')).files },
  keys: { summary: "keys serve|add|revoke|list|watch: a fleet's trusted key map (CHP over CURVE)", load: async () => (await import('./commands/keys')).keys },
};

const USAGE = `usage: curvezmq <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`)
  .join('\n')}

Run 'curvezmq <command> --help' for a command's options; 'curvezmq --version' for the version.

${EXIT_CODES_HELP}`;

/** The package's version, from its package.json (two levels up from dist/cli, one from cli/). */
function version(): string {
  for (const up of ['..', path.join('..', '..')]) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'curvezmq' && manifest.version !== undefined) return manifest.version;
    } catch {
      // Not at this level: try the next.
    }
  }
  return 'unknown';
}

/** Runs the command line `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`curvezmq ${version()}\n`);
    return EXIT.OK;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    const hint = name.startsWith('-') ? didYouMean(name, ['help', 'version']) : didYouMean(name, Object.keys(COMMANDS), '');
    process.stderr.write(`curvezmq: unknown ${name.startsWith('-') ? 'option' : 'command'} '${name}'${hint}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  try {
    return await (await entry.load())(rest);
  } catch (error) {
    process.stderr.write(`curvezmq ${name}: ${(error as Error).message}\n`);
    return EXIT.FAILURE;
  }
}
