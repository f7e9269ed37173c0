/**
 * `curvezmq bench [--seconds S] [--backend NAME] [--sizes LIST] [--json]`: how fast CURVE runs
 * here, in memory, per crypto backend: complete handshakes per second (both sides on one core),
 * the server's share, and MESSAGE encodes and decodes per second at each size. No network: the
 * comparison with TLS, secret-stream and libzmq is `npm run bench` in a clone of the project.
 *
 * @module
 */
import { availableBackends, BACKEND_NAMES, cryptoBackend, useCryptoBackend, type CryptoBackend } from '../../src/crypto';
import { parseCommand } from '../usage';
import { EXIT } from '../exit-codes';
import { measureHandshakes, measureMessages } from '../measure';

const HELP = `usage: curvezmq bench [options]

Measures CURVE in memory on one core, per crypto backend: handshakes per second and MESSAGE
encodes and decodes per second (copying out, and in place as the adapters decode). No network.

options:
  --seconds S       time per figure (default 0.5)
  --backend NAME    ${BACKEND_NAMES.join(', ')} or all (default: all available here)
  --sizes LIST      message sizes in bytes, comma-separated (default 16,64,1024,65536)
  --json            print the figures as JSON
`;

const OPTIONS = {
  seconds: { type: 'string', default: '0.5' },
  backend: { type: 'string', default: 'all' },
  sizes: { type: 'string', default: '16,64,1024,65536' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** One backend's figures. */
interface BackendFigures {
  backend: string;
  handshakesPerSecond: number;
  serverHandshakesPerSecond: number;
  messages: { size: number; encodesPerSecond: number; decodesPerSecond: number; inPlaceDecodesPerSecond: number }[];
}

/** Runs `bench`. */
export async function bench(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(args, OPTIONS, false);
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return help();
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= 60)) return usage('--seconds expects a number of seconds from 0 to 60');
  const sizes = values.sizes.split(',').map(Number);
  if (!sizes.every((size) => Number.isSafeInteger(size) && size >= 0 && size <= 16 << 20)) {
    return usage('--sizes expects comma-separated byte counts from 0 to 16777216');
  }
  const backends = chooseBackends(values.backend);
  if (typeof backends === 'string') return usage(backends);
  const figures = measureAll(backends, seconds, sizes);
  process.stdout.write(values.json ? `${JSON.stringify(figures, null, 2)}\n` : render(figures, seconds));
  return EXIT.OK;
}

/** The backends to measure, or the problem with `name`. */
function chooseBackends(name: string): CryptoBackend[] | string {
  const available = availableBackends();
  if (name === 'all') return available;
  const found = available.find((backend) => backend.name === name);
  if (found !== undefined) return [found];
  return (BACKEND_NAMES as readonly string[]).includes(name)
    ? `backend ${name} is not available here (available: ${available.map((b) => b.name).join(', ')})`
    : `--backend expects ${BACKEND_NAMES.join(', ')} or all`;
}

function measureAll(backends: readonly CryptoBackend[], seconds: number, sizes: readonly number[]): BackendFigures[] {
  const previous = cryptoBackend();
  try {
    return backends.map((backend) => {
      useCryptoBackend(backend);
      measureHandshakes(seconds / 4); // warm-up: compile the paths before timing them
      const handshakes = measureHandshakes(seconds);
      return {
        backend: backend.name,
        handshakesPerSecond: handshakes.total,
        serverHandshakesPerSecond: handshakes.server,
        messages: sizes.map((size) => {
          const { encode, decode, decodeInPlace } = measureMessages(size, seconds);
          return { size, encodesPerSecond: encode, decodesPerSecond: decode, inPlaceDecodesPerSecond: decodeInPlace };
        }),
      };
    });
  } finally {
    useCryptoBackend(previous);
  }
}

const COLUMNS = ['size', 'encodes/s', 'decodes/s', 'in place/s', 'encode MB/s', 'decode MB/s', 'in place MB/s'];

function render(figures: readonly BackendFigures[], seconds: number): string {
  const line = (cells: readonly string[]) => `  ${cells.map((cell) => cell.padStart(14)).join('')}\n`;
  let out = `curvezmq bench: CURVE in memory, one core, ${seconds} s per figure, Node ${process.version}\n`;
  out += '"in place" decodes into the received blob, as the adapters do (DecodeOptions.inPlace)\n';
  for (const f of figures) {
    out += `\n${f.backend}: ${f.handshakesPerSecond.toFixed(0)} handshakes/s (both sides), ${f.serverHandshakesPerSecond.toFixed(0)}/s (server's share)\n`;
    out += line(COLUMNS);
    for (const m of f.messages) {
      const rates = [m.encodesPerSecond, m.decodesPerSecond, m.inPlaceDecodesPerSecond];
      out += line([`${m.size} B`, ...rates.map((r) => r.toFixed(0)), ...rates.map((r) => ((r * m.size) / 1e6).toFixed(1))]);
    }
  }
  return out;
}

function usage(message: string): number {
  process.stderr.write(`curvezmq bench: ${message}\n${HELP}`);
  return EXIT.USAGE;
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT.OK;
}
