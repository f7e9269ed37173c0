/**
 * The journal's record format, pure (the file side is `journal.ts`). A record is
 *
 * ```text
 * length (4 bytes, big-endian, of what follows the CRC) | CRC-32 of it (4 bytes) | body
 * body = type (1 byte) | sequence (8) | expiresAt ms (8, 0 = none) | 4 length-prefixed fields
 * fields = key, uuid, properties, value   (type 1: an update; type 2: a sequence mark, no fields)
 * ```
 *
 * A torn write leaves a short record, a corrupted one fails its CRC; either way reading stops
 * there and reports how many bytes were good, so the tail is cut and never served.
 *
 * @module
 */
import { fromUtf8Strict } from '../bytes';
import { encodeProperties, parseProperties, type ChpProperties } from './properties';
import { ChpError } from './errors';
import { isValidKey, UUID_SIZE } from './codec';
import { getUint64, setUint64 } from './uint64';

/** One decoded record. */
export type JournalRecord =
  | {
      readonly type: 'update';
      readonly sequence: number;
      readonly expiresAt?: number;
      readonly key: string;
      readonly uuid: Uint8Array;
      readonly properties: ChpProperties;
      readonly value: Uint8Array;
    }
  | { readonly type: 'mark'; readonly sequence: number };

const HEADER = 8;
const FIXED = 17;
/** Largest record body accepted when reading: anything larger is corruption, not data. */
const MAX_BODY = 16 * 1024 * 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), as zlib computes it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const encoder = new TextEncoder();

/** Encodes one record. */
export function encodeRecord(record: JournalRecord): Uint8Array {
  const fields =
    record.type === 'update' ? [encoder.encode(record.key), record.uuid, encodeProperties(record.properties), record.value] : [];
  const bodyLength = FIXED + fields.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(HEADER + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, bodyLength);
  let at = HEADER;
  out[at] = record.type === 'update' ? 1 : 2;
  setUint64(view, at + 1, record.sequence);
  setUint64(view, at + 9, record.type === 'update' ? (record.expiresAt ?? 0) : 0);
  at += FIXED;
  for (const field of fields) {
    view.setUint32(at, field.length);
    out.set(field, at + 4);
    at += 4 + field.length;
  }
  view.setUint32(4, crc32(out.subarray(HEADER)));
  return out;
}

/**
 * Decodes the records of `bytes` up to the first that is torn or corrupt.
 *
 * @returns the records and `good`, the byte count they span (the rest is to be cut), with
 *   `error` saying why reading stopped early
 */
export function decodeRecords(bytes: Uint8Array): { records: JournalRecord[]; good: number; error?: ChpError } {
  const records: JournalRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 0;
  let last = -1;
  while (at < bytes.length) {
    const stop = (why: string) => ({ records, good: at, error: new ChpError('ERR_CHP_ENTRY', `journal cut at byte ${at}: ${why}`) });
    if (bytes.length - at < HEADER) return stop('torn header');
    const length = view.getUint32(at);
    if (length < FIXED || length > MAX_BODY) return stop('bad length');
    if (bytes.length - at - HEADER < length) return stop('torn record');
    const body = bytes.subarray(at + HEADER, at + HEADER + length);
    if (crc32(body) !== view.getUint32(at + 4)) return stop('CRC mismatch');
    const record = decodeBody(body);
    if (record === undefined) return stop('malformed record');
    // Sequences only grow; a record that goes back is not ours to trust.
    if (record.sequence <= last) return stop('sequence not increasing');
    last = record.sequence;
    records.push(record);
    at += HEADER + length;
  }
  return { records, good: at };
}

function decodeBody(body: Uint8Array): JournalRecord | undefined {
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const type = body[0];
  const sequence = getUint64(view, 1);
  const expiresAt = getUint64(view, 9);
  if (sequence === undefined || expiresAt === undefined) return undefined;
  if (type === 2) return body.length === FIXED ? { type: 'mark', sequence } : undefined;
  if (type !== 1) return undefined;
  const fields: Uint8Array[] = [];
  let at = FIXED;
  for (let i = 0; i < 4; i++) {
    if (body.length - at < 4) return undefined;
    const n = view.getUint32(at);
    if (body.length - at - 4 < n) return undefined;
    fields.push(body.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  if (at !== body.length) return undefined;
  const [keyBytes, uuid, propBytes, value] = fields as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  let key: string;
  try {
    key = fromUtf8Strict(keyBytes);
  } catch {
    return undefined;
  }
  const properties = parseProperties(propBytes);
  if (!isValidKey(key) || properties instanceof ChpError || (uuid.length !== 0 && uuid.length !== UUID_SIZE)) return undefined;
  return { type: 'update', sequence, ...(expiresAt === 0 ? {} : { expiresAt }), key, uuid: uuid.slice(), properties, value: value.slice() };
}
