import { mkdir } from 'node:fs/promises';
import { createCertificate, loadCertificate, saveCertificate, wipeCertificate } from 'curvezmq';

export async function main(): Promise<string> {
  await mkdir('keys', { recursive: true }); // saveCertificate makes no directory
  const cert = createCertificate({ metadata: { name: 'Alice' } });
  await saveCertificate(cert, 'keys/alice', { format: 'czmq' }); // keys/alice, keys/alice_secret (0600)
  wipeCertificate(cert);

  const mine = await loadCertificate('keys/alice', 'secret'); // keys/alice_secret, then keys/alice.key_secret
  const theirs = await loadCertificate('keys/alice'); // the public file; never holds a secret key
  return `${mine.metadata.get('name')}: secret ${mine.secretKey !== undefined}, public file secret ${theirs.secretKey !== undefined}`;
}

if (require.main === module) main().then(console.log);
