/**
 * Optional speed paths of a mechanism's message codec, kept out of the core `Mechanism`
 * contract: someone writing a mechanism needs none of them. A mechanism that offers them says
 * so with `tunedCodec: true`; adapters detect it with {@link tunedCodec} and fall back to the
 * plain `encode`/`decode` otherwise. CURVE, PLAIN and NULL (through `MechanismBase`) offer them.
 *
 * @module
 */
import type { DecodedPart, Mechanism, PartFlags } from './mechanism';

/** {@link PartFlags} plus room for the caller's own header. */
export interface TunedPartFlags extends PartFlags {
  /**
   * A hint, for a transport that puts a header of its own before each blob: leave this many
   * bytes free in front of the blob. A mechanism that follows it returns a blob that is the
   * end of a buffer made for it alone: `blob.byteOffset === headroom` and
   * `blob.buffer.byteLength === headroom + blob.length`, so the caller may write its header
   * there and send the whole buffer without copying the blob. Only a blob of exactly that
   * shape may be used so (see {@link ownsHeadroom}); a mechanism may ignore the hint (CURVE
   * follows it for parts over 8 KiB, where a copy costs more than a buffer of its own).
   */
  readonly headroom?: number;
  /**
   * A hint, for a transport that batches frames into a buffer of its own: encode the blob into
   * `into`, starting `headroom` bytes in (0 when absent), when it fits. A mechanism that follows
   * it returns a view of exactly those bytes (see {@link encodedInto}), so the caller need not
   * copy the blob; otherwise it returns a blob elsewhere, which the caller copies as usual. The
   * mechanism writes nothing in `into` outside the blob. CURVE follows it.
   */
  readonly into?: Uint8Array;
}

/** Options of a tuned `decode`. */
export interface DecodeOptions {
  /**
   * What a rejected blob does to the session. `'fail'` (default): the mechanism moves to
   * `failed`, as libzmq closes the connection. `'keep'`: the state is left exactly as it was,
   * for a caller that drops blobs it cannot attribute (a MESSAGE from an unknown route).
   */
  readonly onError?: 'fail' | 'keep';
  /**
   * The caller gives `blob` up: the mechanism may decrypt into it and return `data` as a view
   * into it, saving an allocation and a copy per part. Pass it only for a blob nobody else
   * reads afterwards (the adapters pass it for frames they received and own). Default `false`:
   * `blob` is left untouched and `data` shares no memory with it. Either way a rejected blob
   * gets the same error, and `onError` applies as usual; after an in-place attempt that failed,
   * the blob's bytes are unspecified.
   */
  readonly inPlace?: boolean;
}

/** A mechanism whose codec takes the speed options. */
export interface TunedCodec extends Mechanism {
  /** Marks a codec that honours {@link TunedPartFlags} and {@link DecodeOptions}. */
  readonly tunedCodec: true;
  encode(data: Uint8Array, flags?: TunedPartFlags): Uint8Array;
  decode(blob: Uint8Array, options?: DecodeOptions): DecodedPart;
  /**
   * For a multipart message from a source not yet proven (another route, a PUB frame): marks
   * the receive state (the last accepted nonce) and returns a function that puts it back as it
   * is now. The caller decodes every part with `onError: 'keep'` and rewinds unless the whole
   * message authenticated, so a lone part of someone else's message, replayed ahead of it,
   * consumes nothing. A mechanism whose decoding keeps no state between parts (its parts are
   * not sealed: wire trait `parts: 'flagged'`) may leave it out; so may one that does not mind
   * the adapter refusing such messages unread.
   */
  checkpoint?(): () => void;
}

/** `mechanism` as a {@link TunedCodec}, or `undefined` when it offers no speed paths. */
export function tunedCodec(mechanism: Mechanism): TunedCodec | undefined {
  return (mechanism as Partial<TunedCodec>).tunedCodec === true ? (mechanism as TunedCodec) : undefined;
}

/**
 * True when `blob` came back from `encode(data, { headroom })` with the headroom it asked for:
 * the last bytes of a buffer made for it alone, `headroom` bytes in. The caller may then write
 * into those first bytes.
 */
export function ownsHeadroom(blob: Uint8Array, headroom: number): boolean {
  return headroom > 0 && blob.byteOffset === headroom && blob.buffer.byteLength === headroom + blob.length;
}

/**
 * True when `blob` came back from `encode(data, { into, headroom: at })` written into `into`
 * at `at`: the caller may then send those bytes of `into` as they are.
 */
export function encodedInto(blob: Uint8Array, into: Uint8Array, at: number): boolean {
  return blob.buffer === into.buffer && blob.byteOffset === into.byteOffset + at;
}
