/**
 * `curvezmq cert`: look at certificate files.
 * - `cert show FILE [--json]` prints what a certificate file holds: its public key in Z85, its
 *   metadata, and whether it holds a secret key (the secret key itself is never printed). FILE
 *   is read exactly as named; CZMQ and pyzmq files are both understood.
 * - `cert list DIR [--json]` prints what an allow-list directory lets in, read exactly as a
 *   certificate store (`--allow-dir`) reads it, and each file the store skips and why. It exits
 *   with FAILURE when any file is skipped, so a deployment check can catch a broken file.
 *
 * @module
 */
import { parseCommand } from '../usage';
import { promises as fs } from 'node:fs';
import {
  CertStore,
  formatZpl,
  isTrustError,
  readCertificateFile,
  wipeCertificate,
  zplNode,
  type Certificate,
} from '../../src/trust';
import { EXIT } from '../exit-codes';

const HELP = `usage: curvezmq cert show FILE [--json]
       curvezmq cert list DIR [--json]

show: prints a certificate file's public key (Z85), its metadata, and whether it holds a
      secret key. Reads CZMQ (NAME, NAME_secret) and pyzmq (NAME.key, NAME.key_secret) files.
list: prints the public keys an allow-list directory (--allow-dir) lets in, one line per file,
      and every file it skips with the reason; exits with 1 when a file is skipped.

options:
  --json   show: one JSON object { file, publicKey, hasSecretKey, metadata }
           list: one JSON object { directory, certificates: [{ file, publicKey, metadata }],
                 skipped: [{ file, line, code, message }] }
`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs `cert`. */
export async function cert(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(args, OPTIONS);
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return help();
  const [action, target, ...extra] = positionals;
  if (action === undefined) return usage('expected an action: show or list');
  if (action !== 'show' && action !== 'list') return usage(`unknown action ${JSON.stringify(action)}`);
  const what = action === 'show' ? 'FILE' : 'DIR';
  if (target === undefined || extra.length > 0) return usage(`expected exactly one ${what}`);
  return action === 'show' ? show(target, values.json) : list(target, values.json);
}

async function show(file: string, asJson: boolean): Promise<number> {
  let certificate: Certificate;
  try {
    certificate = await readCertificateFile(file);
  } catch (error) {
    if (!isTrustError(error)) throw error;
    process.stderr.write(`curvezmq cert: ${error.message}\n`);
    return EXIT.FAILURE;
  }
  const hasSecretKey = certificate.secretKey !== undefined;
  wipeCertificate(certificate);
  const { publicKeyZ85: publicKey } = certificate;
  const metadata = Object.fromEntries(certificate.metadata);
  const json = JSON.stringify({ file, publicKey, hasSecretKey, metadata });
  process.stdout.write(asJson ? `${json}\n` : text(file, certificate, hasSecretKey));
  return EXIT.OK;
}

function text(file: string, certificate: Certificate, hasSecretKey: boolean): string {
  const entries = [...certificate.metadata].map(([name, value]) => zplNode(name, value));
  // The metadata lines as a certificate file holds them, after the section's own line.
  const section = formatZpl([zplNode('metadata', undefined, entries)]);
  const metadata = entries.length === 0 ? '    (none)\n' : section.slice('metadata\n'.length);
  return [
    `file:       ${file}`,
    `public-key: ${certificate.publicKeyZ85}`,
    `secret-key: ${hasSecretKey ? 'yes (not shown)' : 'no'}`,
    `metadata:`,
    metadata,
  ].join('\n');
}

async function list(directory: string, asJson: boolean): Promise<number> {
  const stat = await fs.stat(directory).catch(() => undefined);
  if (stat?.isDirectory() !== true) {
    process.stderr.write(`curvezmq cert: ${directory}: is not a directory\n`);
    return EXIT.FAILURE;
  }
  const store = new CertStore(directory);
  const { invalid } = await store.reload();
  const files = [...store.files()];
  if (asJson) {
    const certificates = files.map(([file, c]) => ({
      file,
      publicKey: c.publicKeyZ85,
      metadata: Object.fromEntries(c.metadata),
    }));
    const skipped = invalid.map(({ file, line, code, message }) => ({ file, line, code, message }));
    process.stdout.write(JSON.stringify({ directory, certificates, skipped }) + '\n');
  } else {
    for (const [file, c] of files) process.stdout.write(`${c.publicKeyZ85}  ${file}${metadataText(c)}\n`);
    for (const error of invalid) process.stdout.write(`skipped: ${error.message}\n`);
  }
  return invalid.length === 0 ? EXIT.OK : EXIT.FAILURE;
}

function metadataText(certificate: Certificate): string {
  return [...certificate.metadata].map(([name, value]) => `  ${name}=${JSON.stringify(value)}`).join('');
}

function usage(message: string): number {
  process.stderr.write(`curvezmq cert: ${message}\n${HELP}`);
  return EXIT.USAGE;
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT.OK;
}
