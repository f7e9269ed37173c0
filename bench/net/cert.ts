/**
 * The TLS peer's certificate: a throwaway self-signed Ed25519 certificate made with the
 * `openssl` command at the start of a run (Node cannot issue certificates itself). Ed25519
 * keeps TLS's signature cost at its lowest, as in `docs/performance.md`'s reference figures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A key and certificate in PEM. */
export interface TlsCredentials {
  readonly key: string;
  readonly cert: string;
}

/** Makes (once per directory) and reads the credentials; undefined when openssl is missing. */
export function tlsCredentials(dir: string): TlsCredentials | undefined {
  const keyFile = join(dir, 'tls-key.pem');
  const certFile = join(dir, 'tls-cert.pem');
  if (!existsSync(certFile)) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ed25519', '-nodes', '-days', '2',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', keyFile, '-out', certFile,
      ], { stdio: 'ignore' });
    } catch {
      return undefined;
    }
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}
