/**
 * The commands of the file-transfer protocol and their byte layouts (see `docs/filemq.md`).
 *
 * ```
 * frame     = signature id body
 * signature = %xAA %xA3
 * ```
 *
 * Before access is granted, frames carry OHAI, ORLY, YARLY, OHAI-OK, SRSLY or RTFM in the clear.
 * After OHAI-OK, every frame is a SEALED command whose body is one blob from the mechanism's
 * `encode()`; inside it is another complete command (ICANHAZ, ICANHAZ-OK, NOM, CHEEZBURGER,
 * HUGZ, HUGZ-OK, KTHXBAI or RTFM). {@link decodeCommand} takes any bytes and either returns a
 * command or throws a {@link FileMqError}.
 *
 * @module
 */
import { FileMqError } from './errors';
import { checkFilePath } from './paths';
import { WireReader, WireWriter } from './wire';

/** The two bytes that open every frame (FileMQ's signature). */
export const SIGNATURE = Uint8Array.of(0xaa, 0xa3);
/** The protocol name OHAI carries. */
export const PROTOCOL = 'FILEMQ';
/** The version of this secure variant (FileMQ v1 was 1, v2 was 2). */
export const VERSION = 3;
/** Length of a SHA-256 digest. */
export const SHA256_BYTES = 32;

/** Command ids. */
export const ID = {
  SEALED: 0,
  OHAI: 1,
  ORLY: 2,
  YARLY: 3,
  OHAI_OK: 4,
  ICANHAZ: 5,
  ICANHAZ_OK: 6,
  NOM: 7,
  CHEEZBURGER: 8,
  HUGZ: 9,
  HUGZ_OK: 10,
  KTHXBAI: 11,
  SRSLY: 128,
  RTFM: 129,
} as const;

/** C→S: open peering, offering mechanisms by name in order of preference. */
export interface Ohai {
  readonly name: 'OHAI';
  readonly protocol: string;
  readonly version: number;
  readonly mechanisms: readonly string[];
}
/** S→C: the mechanism the server picked and the blobs of its next handshake step. */
export interface Orly {
  readonly name: 'ORLY';
  readonly mechanism: string;
  readonly blobs: readonly Uint8Array[];
}
/** C→S: the blobs of the client's next handshake step. */
export interface Yarly {
  readonly name: 'YARLY';
  readonly mechanism: string;
  readonly blobs: readonly Uint8Array[];
}
/** S→C: access granted; the blobs of the server's last handshake step come along. */
export interface OhaiOk {
  readonly name: 'OHAI-OK';
  readonly blobs: readonly Uint8Array[];
}
/** S→C: access denied. */
export interface Srsly {
  readonly name: 'SRSLY';
  readonly reason: string;
}
/** Either way: the peer's last command was invalid; the sender closes the peering. */
export interface Rtfm {
  readonly name: 'RTFM';
  readonly reason: string;
}
/** After OHAI-OK: one mechanism blob holding an inner command. */
export interface Sealed {
  readonly name: 'SEALED';
  readonly blob: Uint8Array;
}
/** One file the client holds, complete or in part. */
export interface CacheEntry {
  readonly path: string;
  /** Bytes held. */
  readonly size: number;
  /** Complete: the SHA-256 of the file held. Partial: the SHA-256 the server announced for it. */
  readonly sha256: Uint8Array;
  readonly complete: boolean;
}
/** C→S: subscribe to a path (`/` = everything) and list what the client already holds. */
export interface Icanhaz {
  readonly name: 'ICANHAZ';
  readonly path: string;
  readonly cache: readonly CacheEntry[];
}
/** S→C: subscription accepted; what will be sent. */
export interface IcanhazOk {
  readonly name: 'ICANHAZ-OK';
  /** Files that will be sent, whole or in part. */
  readonly files: number;
  /** File bytes that will be sent. */
  readonly bytes: number;
  /** Files the server holds under the path, sent or not: 0 means the path names nothing. */
  readonly available: number;
}
/** C→S: grant `credit` more bytes of file content. */
export interface Nom {
  readonly name: 'NOM';
  readonly credit: number;
}
/** S→C: one chunk of a file. */
export interface Cheezburger {
  readonly name: 'CHEEZBURGER';
  /** Counts chunks from 0 in each peering; a gap means a loss. */
  readonly sequence: number;
  readonly path: string;
  /** Where `data` goes in the file. */
  readonly offset: number;
  /** True on the file's last chunk. */
  readonly eof: boolean;
  /** The whole file's size. */
  readonly size: number;
  /** The whole file's SHA-256. */
  readonly sha256: Uint8Array;
  readonly data: Uint8Array;
}
/** C→S: are you there? */
export interface Hugz {
  readonly name: 'HUGZ';
}
/** S→C: yes. */
export interface HugzOk {
  readonly name: 'HUGZ-OK';
}
/** C→S: goodbye; no reply. */
export interface Kthxbai {
  readonly name: 'KTHXBAI';
}

/** Commands sent in the clear, before and instead of access. */
export type ClearCommand = Ohai | Orly | Yarly | OhaiOk | Srsly | Rtfm | Sealed;
/** Commands sent inside SEALED, once access is granted. */
export type InnerCommand = Icanhaz | IcanhazOk | Nom | Cheezburger | Hugz | HugzOk | Kthxbai | Rtfm;
/** Any command. */
export type Command = ClearCommand | InnerCommand;

/** What a CHEEZBURGER chunk is, less its data. */
export type ChunkHeader = Omit<Cheezburger, 'data'>;

/**
 * A CHEEZBURGER frame up to its data: signature, id, the fields and the data's length
 * (`dataLength`). The frame is this header followed by the data, so a sender that read the
 * data behind room for the header writes it there instead of copying the data once more.
 */
export function encodeChunkHeader(chunk: ChunkHeader, dataLength: number): Uint8Array {
  return new WireWriter().push(SIGNATURE).push(cheezburgerFields(chunk, dataLength)).finish();
}

function cheezburgerFields(chunk: ChunkHeader, dataLength: number): Uint8Array {
  const w = new WireWriter().u8(ID.CHEEZBURGER).u64(checkSize(chunk.sequence, 'sequence')).string(chunk.path, 'path');
  w.u64(checkSize(chunk.offset, 'offset')).u8(chunk.eof ? 1 : 0).u64(checkSize(chunk.size, 'size'));
  return w.push(checkDigest(chunk.sha256, 'sha256')).u32(dataLength).finish();
}

/** Encodes a command as a frame: signature, id, body. */
export function encodeCommand(command: Command): Uint8Array {
  const w = new WireWriter().push(SIGNATURE);
  switch (command.name) {
    case 'SEALED':
      return w.u8(ID.SEALED).push(command.blob).finish();
    case 'OHAI':
      w.u8(ID.OHAI).shortString(command.protocol, 'protocol').u8(command.version);
      w.u8(count(command.mechanisms.length, 0xff, 'mechanisms'));
      for (const name of command.mechanisms) w.shortString(name, 'mechanisms[]');
      return w.finish();
    case 'ORLY':
    case 'YARLY':
      w.u8(command.name === 'ORLY' ? ID.ORLY : ID.YARLY).shortString(command.mechanism, 'mechanism');
      return writeBlobs(w, command.blobs).finish();
    case 'OHAI-OK':
      return writeBlobs(w.u8(ID.OHAI_OK), command.blobs).finish();
    case 'SRSLY':
    case 'RTFM':
      return w.u8(command.name === 'SRSLY' ? ID.SRSLY : ID.RTFM).shortString(clip(command.reason), 'reason').finish();
    case 'ICANHAZ':
      w.u8(ID.ICANHAZ).string(command.path, 'path').u32(command.cache.length);
      for (const entry of command.cache) {
        w.string(entry.path, 'cache[].path').u64(checkSize(entry.size, 'cache[].size'));
        w.push(checkDigest(entry.sha256, 'cache[].sha256')).u8(entry.complete ? 1 : 0);
      }
      return w.finish();
    case 'ICANHAZ-OK':
      return w.u8(ID.ICANHAZ_OK).u32(command.files).u64(checkSize(command.bytes, 'bytes')).u32(command.available).finish();
    case 'NOM':
      return w.u8(ID.NOM).u64(checkSize(command.credit, 'credit')).finish();
    case 'CHEEZBURGER':
      return w.push(cheezburgerFields(command, command.data.length)).push(command.data).finish();
    case 'HUGZ':
      return w.u8(ID.HUGZ).finish();
    case 'HUGZ-OK':
      return w.u8(ID.HUGZ_OK).finish();
    case 'KTHXBAI':
      return w.u8(ID.KTHXBAI).finish();
  }
}

/**
 * Decodes one frame. Takes any bytes.
 *
 * @throws {@link FileMqError} `ERR_FILEMQ_SIGNATURE`, `ERR_FILEMQ_UNKNOWN_COMMAND`,
 *   `ERR_FILEMQ_MALFORMED` or `ERR_FILEMQ_PATH` (a file name that would escape the directory)
 */
export function decodeCommand(frame: Uint8Array): Command {
  if (frame.length < 3 || frame[0] !== SIGNATURE[0] || frame[1] !== SIGNATURE[1]) {
    throw new FileMqError('ERR_FILEMQ_SIGNATURE', 'not a FileMQ frame');
  }
  const id = frame[2]!;
  const name = NAMES.get(id);
  if (name === undefined) throw new FileMqError('ERR_FILEMQ_UNKNOWN_COMMAND', `unknown command id ${id}`);
  const r = new WireReader(frame.subarray(3), name);
  const command = decodeBody(name, r);
  r.end();
  return command;
}

const NAMES = new Map<number, Command['name']>([
  [ID.SEALED, 'SEALED'],
  [ID.OHAI, 'OHAI'],
  [ID.ORLY, 'ORLY'],
  [ID.YARLY, 'YARLY'],
  [ID.OHAI_OK, 'OHAI-OK'],
  [ID.ICANHAZ, 'ICANHAZ'],
  [ID.ICANHAZ_OK, 'ICANHAZ-OK'],
  [ID.NOM, 'NOM'],
  [ID.CHEEZBURGER, 'CHEEZBURGER'],
  [ID.HUGZ, 'HUGZ'],
  [ID.HUGZ_OK, 'HUGZ-OK'],
  [ID.KTHXBAI, 'KTHXBAI'],
  [ID.SRSLY, 'SRSLY'],
  [ID.RTFM, 'RTFM'],
]);

// Each cache entry is at least a 2-byte path length, 1 path byte, size, digest and flag.
const MIN_CACHE_ENTRY = 2 + 1 + 8 + SHA256_BYTES + 1;

function decodeBody(name: Command['name'], r: WireReader): Command {
  switch (name) {
    case 'SEALED': {
      if (r.remaining === 0) throw r.malformed('empty blob');
      return { name, blob: r.take(r.remaining) };
    }
    case 'OHAI': {
      const protocol = r.shortString();
      const version = r.u8();
      const mechanisms = Array.from({ length: r.u8() }, () => r.shortString());
      return { name, protocol, version, mechanisms };
    }
    case 'ORLY':
    case 'YARLY':
      return { name, mechanism: r.shortString(), blobs: readBlobs(r) };
    case 'OHAI-OK':
      return { name, blobs: readBlobs(r) };
    case 'SRSLY':
    case 'RTFM':
      return { name, reason: r.shortString() };
    case 'ICANHAZ': {
      const path = r.string();
      const entries = r.u32();
      if (entries * MIN_CACHE_ENTRY > r.remaining) throw r.malformed('cache count exceeds the body');
      const cache = Array.from({ length: entries }, () => ({
        path: checkFilePath(r.string()),
        size: r.u64(),
        sha256: r.take(SHA256_BYTES),
        complete: flag(r),
      }));
      return { name, path, cache };
    }
    case 'ICANHAZ-OK':
      return { name, files: r.u32(), bytes: r.u64(), available: r.u32() };
    case 'NOM':
      return { name, credit: r.u64() };
    case 'CHEEZBURGER': {
      const sequence = r.u64();
      const path = checkFilePath(r.string());
      const offset = r.u64();
      const eof = flag(r);
      const size = r.u64();
      const sha256 = r.take(SHA256_BYTES);
      const data = r.longBytes();
      if (offset + data.length > size) throw r.malformed('chunk extends past the file size');
      if (eof && offset + data.length !== size) throw r.malformed('eof before the file size');
      return { name, sequence, path, offset, eof, size, sha256, data };
    }
    case 'HUGZ':
    case 'HUGZ-OK':
    case 'KTHXBAI':
      return { name };
  }
}

function readBlobs(r: WireReader): Uint8Array[] {
  return Array.from({ length: r.u8() }, () => r.longBytes());
}

function writeBlobs(w: WireWriter, blobs: readonly Uint8Array[]): WireWriter {
  w.u8(count(blobs.length, 0xff, 'blobs'));
  for (const blob of blobs) w.longBytes(blob);
  return w;
}

function flag(r: WireReader): boolean {
  const value = r.u8();
  if (value > 1) throw r.malformed('a flag is neither 0 nor 1');
  return value === 1;
}

function count(value: number, max: number, name: string): number {
  if (value > max) throw new RangeError(`"${name}" expected at most ${max} items`);
  return value;
}

function checkSize(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`"${name}" expected a non-negative safe integer`);
  return value;
}

function checkDigest(value: Uint8Array, name: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== SHA256_BYTES) {
    throw new RangeError(`"${name}" expected ${SHA256_BYTES} bytes`);
  }
  return value;
}

/** Reasons are informative; a long one is cut at a character boundary to fit 255 bytes. */
function clip(reason: string): string {
  let out = reason;
  while (new TextEncoder().encode(out).length > 0xff) out = out.slice(0, -1);
  return out;
}
