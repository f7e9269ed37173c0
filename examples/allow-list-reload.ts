import { writeFile } from 'node:fs/promises';
import { certStore } from 'curvezmq';

export async function main(): Promise<string> {
  const authorizer = certStore('allowed', { checkInterval: 5000 });
  authorizer.store.on('invalid', (error) => console.error(error.message)); // "allowed/bob:3: ..."

  await writeFile('allowed/bob', 'curve\n    public-key = "not a key"\n'); // a hand edit gone wrong
  const { invalid } = await authorizer.store.reload(); // now, not after checkInterval
  return `broken files skipped: ${invalid.length}; still allowed: ${authorizer.store.certificates().length}`;
}

if (require.main === module) main().then(console.log);
