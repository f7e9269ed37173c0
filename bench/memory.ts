/**
 * Part 3: in-memory CURVE, per crypto backend: full handshakes per second (both sides on this
 * thread), the server's share of a handshake, and MESSAGE encodes and decodes (copying out, and
 * in place) per second at each size, measured by `cli/measure.ts` as `curvezmq bench` does. No
 * I/O: this is the ceiling the adapters can reach.
 */
import { measureHandshakes, measureMessages } from '../cli/measure';
import { availableBackends, useCryptoBackend, type CryptoBackend } from '../src/crypto';
import { median } from './stats';

/** Message sizes measured, in bytes. */
export const MESSAGE_SIZES = [16, 64, 1024, 64 * 1024, 1024 * 1024] as const;

/** One backend's figures (medians over the rounds). */
export interface MemoryFigures {
  backend: string;
  /** Complete handshakes per second, client and server both on one core. */
  handshakesPerSecond: number;
  /** Handshakes per second counting only the server's CPU time. */
  serverHandshakesPerSecond: number;
  /**
   * Per size: encodes/s, decodes/s (copying out: `decode(blob)`), decodes/s in place (as the
   * adapters decode: `decode(blob, { inPlace: true })`) and the matching payload bytes/s.
   */
  messages: {
    size: number;
    encodesPerSecond: number;
    decodesPerSecond: number;
    inPlaceDecodesPerSecond: number;
    encodeBytesPerSecond: number;
    decodeBytesPerSecond: number;
    inPlaceDecodeBytesPerSecond: number;
  }[];
}

/**
 * Measures every available backend, `rounds` times, interleaved; returns medians.
 *
 * @param seconds - the time given to each single measurement
 */
export function runMemory(rounds: number, seconds: number, log: (line: string) => void): MemoryFigures[] {
  const backends: CryptoBackend[] = availableBackends();
  const sizes = () => MESSAGE_SIZES.map((): number[] => []);
  const samples = new Map<string, { hs: number[]; server: number[]; enc: number[][]; dec: number[][]; inPlace: number[][] }>();
  for (const b of backends) {
    samples.set(b.name, { hs: [], server: [], enc: sizes(), dec: sizes(), inPlace: sizes() });
  }
  // Warm-up: compile every path on every backend before anything is recorded.
  for (const backend of backends) {
    useCryptoBackend(backend);
    measureHandshakes(seconds / 2);
    for (const size of MESSAGE_SIZES) measureMessages(size, seconds / 4);
  }
  for (let round = 0; round < rounds; round++) {
    for (const backend of backends) {
      useCryptoBackend(backend);
      const s = samples.get(backend.name)!;
      // tweetnacl handshakes take milliseconds: give them the time to reach a stable count.
      const hs = measureHandshakes(seconds * 2);
      s.hs.push(hs.total);
      s.server.push(hs.server);
      MESSAGE_SIZES.forEach((size, i) => {
        const m = measureMessages(size, seconds);
        s.enc[i]!.push(m.encode);
        s.dec[i]!.push(m.decode);
        s.inPlace[i]!.push(m.decodeInPlace);
      });
      log(`  memory round ${round + 1}/${rounds} ${backend.name}: ${hs.total.toFixed(0)} handshakes/s`);
    }
  }
  useCryptoBackend('auto');
  return backends.map((b) => {
    const s = samples.get(b.name)!;
    return {
      backend: b.name,
      handshakesPerSecond: median(s.hs),
      serverHandshakesPerSecond: median(s.server),
      messages: MESSAGE_SIZES.map((size, i) => {
        const enc = median(s.enc[i]!);
        const dec = median(s.dec[i]!);
        const inPlace = median(s.inPlace[i]!);
        return {
          size,
          encodesPerSecond: enc,
          decodesPerSecond: dec,
          inPlaceDecodesPerSecond: inPlace,
          encodeBytesPerSecond: enc * size,
          decodeBytesPerSecond: dec * size,
          inPlaceDecodeBytesPerSecond: inPlace * size,
        };
      }),
    };
  });
}
