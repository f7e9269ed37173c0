/**
 * `curvezmq cert show FILE [--json]`: prints what a certificate file holds: its public key in
 * Z85, its metadata, and whether it holds a secret key (the secret key itself is never
 * printed). FILE is read exactly as named; CZMQ and pyzmq files are both understood.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import {
  formatZpl,
  isTrustError,
  readCertificateFile,
  wipeCertificate,
  zplNode,
  type Certificate,
} from '../../src/trust';
import { EXIT } from '../exit-codes';

const HELP = `usage: curvezmq cert show FILE [--json]

Prints a certificate file's public key (Z85), its metadata, and whether it holds a secret key.
Reads CZMQ (NAME, NAME_secret) and pyzmq (NAME.key, NAME.key_secret) files.

options:
  --json   print one JSON object: { file, publicKey, hasSecretKey, metadata }
`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs `cert`. */
export async function cert(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return help();
  const [action, file, ...extra] = positionals;
  if (action === undefined) return usage('expected an action: show');
  if (action !== 'show') return usage(`unknown action ${JSON.stringify(action)}`);
  if (file === undefined || extra.length > 0) return usage('expected exactly one FILE');
  return show(file, values.json);
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

function usage(message: string): number {
  process.stderr.write(`curvezmq cert: ${message}\n${HELP}`);
  return EXIT.USAGE;
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT.OK;
}
