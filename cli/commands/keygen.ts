/**
 * `curvezmq keygen NAME [--dir D] [--meta k=v ...] [--format czmq|pyzmq] [--force]`: makes a new
 * certificate, like CZMQ's `zmakecert`: the public file and the secret file (mode 0600), named
 * `NAME` and `NAME_secret` (czmq, default) or `NAME.key` and `NAME.key_secret` (pyzmq). Prints
 * the public key in Z85 on stdout (one line, for scripts) and the files written on stderr.
 * Existing files are never replaced without `--force`.
 *
 * @module
 */
import { parseCommand } from '../usage';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  createCertificate,
  isTrustError,
  saveCertificate,
  wipeCertificate,
  type CertificateFormat,
} from '../../src/trust';
import { EXIT } from '../exit-codes';

const HELP = `usage: curvezmq keygen NAME [options]

Makes a CURVE certificate: NAME and NAME_secret (czmq) or NAME.key and NAME.key_secret (pyzmq).
Prints the public key (Z85).

options:
  --dir D             directory for the files (default: the current directory; made if missing)
  --meta NAME=VALUE   a metadata entry (repeatable), e.g. --meta name=alice
  --format F          czmq (default) or pyzmq file names
  --force             replace existing files
`;

const OPTIONS = {
  dir: { type: 'string', default: '.' },
  meta: { type: 'string', multiple: true, default: [] as string[] },
  format: { type: 'string', default: 'czmq' },
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs `keygen`. */
export async function keygen(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(args, OPTIONS);
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return help();
  if (positionals.length !== 1 || positionals[0] === '') return usage('expected exactly one NAME');
  if (values.format !== 'czmq' && values.format !== 'pyzmq') return usage('--format must be czmq or pyzmq');
  const metadata = parseMeta(values.meta);
  if (typeof metadata === 'string') return usage(metadata);
  return write(path.join(values.dir, positionals[0]!), values.format, metadata, values.force);
}

/** `k=v` entries as pairs, or the problem with the first bad one. */
function parseMeta(entries: readonly string[]): Array<[string, string]> | string {
  const pairs: Array<[string, string]> = [];
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) return `--meta expected NAME=VALUE, got ${JSON.stringify(entry)}`;
    pairs.push([entry.slice(0, equals), entry.slice(equals + 1)]);
  }
  return pairs;
}

async function write(
  base: string,
  format: CertificateFormat,
  metadata: Array<[string, string]>,
  overwrite: boolean,
): Promise<number> {
  let certificate;
  try {
    certificate = createCertificate({ metadata });
  } catch (error) {
    return usage(`--meta: ${(error as Error).message}`);
  }
  try {
    await fs.mkdir(path.dirname(base), { recursive: true });
    const files = await saveCertificate(certificate, base, { format, overwrite });
    process.stdout.write(`${certificate.publicKeyZ85}\n`);
    process.stderr.write(`wrote ${files.publicFile} and ${files.secretFile}\n`);
    return EXIT.OK;
  } catch (error) {
    if (!isTrustError(error, 'ERR_CERT_EXISTS')) throw error;
    // The library's message names its own option (overwrite); here the flag is --force.
    process.stderr.write(`curvezmq keygen: ${error.file ?? base} exists; pass --force to replace it\n`);
    return EXIT.FAILURE;
  } finally {
    wipeCertificate(certificate);
  }
}

function usage(message: string): number {
  process.stderr.write(`curvezmq keygen: ${message}\n${HELP}`);
  return EXIT.USAGE;
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT.OK;
}
