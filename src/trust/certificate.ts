/**
 * CURVE certificates in the format CZMQ's `zcert` and pyzmq's `zmq.auth` write: a ZPL file with
 * a `metadata` section of `name = "value"` lines and a `curve` section holding `public-key`, and
 * in the secret file also `secret-key`, both in Z85. This module is pure (no file access); see
 * `cert-files.ts` for loading and saving.
 *
 * @module
 */
import { equalBytes, isBytes, wipe } from '../bytes';
import { generateKeyPair, keyToZ85, publicKeyOf, toPublicKey, toSecretKey, type KeyLike } from '../keys';
import type { RandomSource } from '../random';
import { z85Encode } from '../z85';
import { TrustError } from './errors';
import { formatZpl, isZplName, parseZpl, zplNode, type ZplNode } from './zpl';

/** A CURVE certificate: a public key, maybe its secret key, and metadata. */
export interface Certificate {
  /** The long-term public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** The same key in Z85 (40 characters). */
  readonly publicKeyZ85: string;
  /** The secret key (32 bytes), when this is a secret certificate; wipe with {@link wipeCertificate}. */
  readonly secretKey: Uint8Array | undefined;
  /** The `metadata` section, in file order. */
  readonly metadata: ReadonlyMap<string, string>;
}

/** Metadata as callers give it: a record or name/value pairs. */
export type CertificateMetadataInit = Readonly<Record<string, string>> | Iterable<readonly [string, string]>;

/** Options of {@link createCertificate}. */
export interface CreateCertificateOptions {
  /** The secret key to use; a new key pair is generated when absent. */
  readonly secretKey?: KeyLike;
  /** The `metadata` section. */
  readonly metadata?: CertificateMetadataInit;
  /** The random source for a new key pair (default: the platform CSPRNG). */
  readonly random?: RandomSource;
}

/**
 * Makes a secret certificate, from a new key pair (like `zcert_new`) or from a given secret key.
 *
 * @throws {@link TypeError} / {@link RangeError} for a bad `secretKey`, and RangeError for a
 *   metadata name that is not a ZPL name (`A-Z a-z 0-9 $ - _ @ . & + /`), a name repeated up to
 *   case, or a value holding a line break or both `"` and `'`
 */
export function createCertificate(options: CreateCertificateOptions = {}): Certificate {
  const metadata = checkMetadata(options.metadata);
  const secretKey =
    options.secretKey === undefined
      ? generateKeyPair(options.random).secretKey
      : toSecretKey(options.secretKey, 'secretKey');
  const publicKey = publicKeyOf(secretKey);
  return { publicKey, publicKeyZ85: keyToZ85(publicKey), secretKey, metadata };
}

/**
 * Makes a public certificate from a public key (like `zcert_new_from` without the secret).
 *
 * @throws {@link TypeError} / {@link RangeError} as {@link createCertificate}, and RangeError
 *   for an all-zero or low-order key
 */
export function publicCertificate(publicKey: KeyLike, metadata?: CertificateMetadataInit): Certificate {
  const key = toPublicKey(publicKey, 'publicKey');
  return { publicKey: key, publicKeyZ85: keyToZ85(key), secretKey: undefined, metadata: checkMetadata(metadata) };
}

/** The public half of `certificate`: the same key and metadata, no secret key. */
export function publicPart(certificate: Certificate): Certificate {
  return { ...certificate, secretKey: undefined };
}

/**
 * Checks that `value` has the shape of a {@link Certificate}.
 *
 * @throws {@link TypeError} naming `name` when it does not
 */
export function assertCertificate(value: unknown, name = 'certificate'): asserts value is Certificate {
  const cert = value as Partial<Certificate> | null;
  const ok =
    typeof cert === 'object' && cert !== null && isBytes(cert.publicKey) && typeof cert.publicKeyZ85 === 'string' &&
    cert.metadata instanceof Map && (cert.secretKey === undefined || isBytes(cert.secretKey));
  if (!ok) throw new TypeError(`"${name}" expected a Certificate`);
}

/** Zero-fills the certificate's secret key, if it holds one. */
export function wipeCertificate(certificate: Certificate): void {
  wipe(certificate.secretKey);
}

function checkMetadata(init: CertificateMetadataInit | undefined): ReadonlyMap<string, string> {
  const pairs = init === undefined ? [] : Symbol.iterator in init ? [...init] : Object.entries(init);
  const metadata = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, value] of pairs) {
    if (typeof name !== 'string' || !isZplName(name)) {
      throw new RangeError(`"metadata" name ${JSON.stringify(name)} is not a valid ZPL name`);
    }
    if (typeof value !== 'string') throw new TypeError(`"metadata.${name}" expected a string`);
    if (/[\r\n]/.test(value) || (value.includes('"') && value.includes("'"))) {
      throw new RangeError(`"metadata.${name}" holds a line break or both kinds of quote`);
    }
    if (seen.has(name.toLowerCase())) throw new RangeError(`"metadata" name ${name} is repeated`);
    seen.add(name.toLowerCase());
    metadata.set(name, value);
  }
  return metadata;
}

/** Options of {@link formatCertificate}. */
export interface FormatCertificateOptions {
  /** Write the secret file (with `secret-key`) rather than the public one. */
  readonly secret?: boolean;
  /** The date in the banner (default: now). */
  readonly date?: Date;
}

/**
 * The text of a certificate file, as `zcert_save_public` / `zcert_save_secret` write it: a
 * banner, `metadata` and `curve` sections, keys and values always quoted. Unlike pyzmq, the
 * metadata goes into both files, as CZMQ does, so a store of public files sees it.
 *
 * @throws {@link TypeError} when `certificate` is not a certificate
 * @throws {@link RangeError} when `secret` is asked of a certificate without a secret key
 */
export function formatCertificate(certificate: Certificate, options: FormatCertificateOptions = {}): string {
  assertCertificate(certificate);
  const secret = options.secret === true;
  if (secret && certificate.secretKey === undefined) {
    throw new RangeError('"certificate" holds no secret key to write');
  }
  const keys = [zplNode('public-key', certificate.publicKeyZ85)];
  // z85Encode reads the key in place; keyToZ85 would leave an unwiped copy behind.
  if (secret) keys.push(zplNode('secret-key', z85Encode(certificate.secretKey!)));
  const metadata = [...certificate.metadata].map(([name, value]) => zplNode(name, value));
  const sections = [zplNode('metadata', undefined, metadata), zplNode('curve', undefined, keys)];
  return formatZpl(sections, banner(secret, options.date));
}

function banner(secret: boolean, date = new Date()): string[] {
  const stamp = date.toISOString().slice(0, 19).replace('T', ' ');
  const head = [`  ****  Generated on ${stamp} by curvezmq  ****`];
  if (secret) {
    return [
      ...head,
      'ZeroMQ CURVE **Secret** Certificate',
      'DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.',
      '',
    ];
  }
  return [
    ...head,
    'ZeroMQ CURVE Public Certificate',
    'Exchange securely, or use a secure mechanism to verify the contents',
    'of this file after exchange. Store public certificates in your home',
    'directory, in the .curve subdirectory.',
    '',
  ];
}

/**
 * Reads a certificate from the text of a public or secret file. Values may be quoted or not
 * (pyzmq writes unquoted metadata); sections other than `metadata` and `curve`, and names
 * other than the two keys inside `curve`, are ignored, as CZMQ ignores them.
 *
 * @param file - the file name, quoted in errors
 * @throws {@link TypeError} when `text` is not a string
 * @throws {@link TrustError} naming `file` and the line: `ERR_CERT_MALFORMED` for bad ZPL, a
 *   missing or repeated `curve` section or key, a key that is not 40 valid Z85 characters (or a
 *   low-order public key), or a metadata name without a value or repeated up to case;
 *   `ERR_CERT_KEY_MISMATCH` when `public-key` is not the public key of `secret-key`
 */
export function parseCertificate(text: string, file: string): Certificate {
  if (typeof text !== 'string') throw new TypeError('"text" expected a string');
  const nodes = parseZpl(text, file);
  const curve = entry(nodes, 'curve', file);
  if (curve === undefined) throw new TrustError('ERR_CERT_MALFORMED', 'no "curve" section', { file });
  const publicNode = entry(curve.children, 'public-key', file);
  if (publicNode === undefined) {
    throw new TrustError('ERR_CERT_MALFORMED', 'no "public-key" in the "curve" section', { file, line: curve.line });
  }
  const publicKey = readKey(publicNode, file, toPublicKey);
  const metadata = readMetadata(entry(nodes, 'metadata', file), file);
  const secretNode = entry(curve.children, 'secret-key', file);
  if (secretNode === undefined) return { publicKey, publicKeyZ85: keyToZ85(publicKey), secretKey: undefined, metadata };
  const secretKey = readKey(secretNode, file, toSecretKey);
  if (!equalBytes(publicKeyOf(secretKey), publicKey)) {
    wipe(secretKey);
    throw new TrustError('ERR_CERT_KEY_MISMATCH', 'public-key is not the public key of secret-key', {
      file,
      line: publicNode.line,
    });
  }
  return { publicKey, publicKeyZ85: keyToZ85(publicKey), secretKey, metadata };
}

function entry(nodes: readonly ZplNode[], name: string, file: string): ZplNode | undefined {
  const found = nodes.filter((node) => node.name === name);
  if (found.length > 1) {
    throw new TrustError('ERR_CERT_MALFORMED', `"${name}" is repeated`, { file, line: found[1]!.line });
  }
  return found[0];
}

function readKey(node: ZplNode, file: string, convert: (key: KeyLike, name: string) => Uint8Array): Uint8Array {
  try {
    return convert(node.value ?? '', node.name);
  } catch (cause) {
    const reason = (cause as Error).message;
    throw new TrustError('ERR_CERT_MALFORMED', `${node.name}: ${reason}`, { file, line: node.line, cause });
  }
}

function readMetadata(node: ZplNode | undefined, file: string): ReadonlyMap<string, string> {
  const metadata = new Map<string, string>();
  const seen = new Set<string>();
  for (const child of node?.children ?? []) {
    const at = { file, line: child.line };
    if (child.value === undefined) {
      throw new TrustError('ERR_CERT_MALFORMED', `metadata "${child.name}" has no value`, at);
    }
    if (seen.has(child.name.toLowerCase())) {
      throw new TrustError('ERR_CERT_MALFORMED', `metadata "${child.name}" is repeated`, at);
    }
    seen.add(child.name.toLowerCase());
    metadata.set(child.name, child.value);
  }
  return metadata;
}
