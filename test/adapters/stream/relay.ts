/**
 * A man in the middle for the tests: relays bytes between a client end and a server end,
 * re-chunking them, and can cut the connection after a given number of bytes in one direction.
 */
import type { Duplex } from 'node:stream';
import { memoryPair } from './memory-pair';

/** Which way bytes flow. */
export type Direction = 'toServer' | 'toClient';

/** Options of {@link relay}. */
export interface RelayOptions {
  /** Splits each chunk before forwarding it (default: forward as is). */
  readonly rechunk?: (chunk: Buffer) => Buffer[];
  /** Cut the connection once this many bytes went this way (the bytes before the cut arrive). */
  readonly cutAfter?: { readonly direction: Direction; readonly bytes: number };
}

/** The two raw ends to give a client and a server, and the bytes that went each way. */
export function relay(options: RelayOptions = {}) {
  const [clientRaw, clientSide] = memoryPair();
  const [serverSide, serverRaw] = memoryPair();
  const counts: Record<Direction, number> = { toServer: 0, toClient: 0 };
  const cut = () => {
    clientSide.destroy();
    serverSide.destroy();
  };
  const forward = (from: Duplex, to: Duplex, direction: Direction) => {
    from.on('data', (chunk: Buffer) => {
      const limit = options.cutAfter?.direction === direction ? options.cutAfter.bytes : Infinity;
      const allowed = chunk.subarray(0, Math.max(0, limit - counts[direction]));
      counts[direction] += allowed.length;
      for (const piece of options.rechunk ? options.rechunk(allowed) : [allowed]) {
        if (piece.length > 0) to.write(piece);
      }
      if (counts[direction] >= limit) cut();
    });
    from.on('end', () => to.end());
  };
  forward(clientSide, serverSide, 'toServer');
  forward(serverSide, clientSide, 'toClient');
  if (options.cutAfter?.bytes === 0) cut();
  return { clientRaw, serverRaw, counts };
}

/** Splits a chunk into 1-byte chunks. */
export const oneByteChunks = (chunk: Buffer): Buffer[] => Array.from(chunk, (byte) => Buffer.from([byte]));
