/**
 * `curvezmq hello`: the main job. For now an in-memory NULL and PLAIN handshake printout; the
 * ZeroMQ hello-world replaces it once the ZeroMQ adapter exists.
 *
 * @module
 */
import { defaultRegistry } from '../../mechanisms';
import { fromUtf8, runHandshake, utf8, type Mechanism } from '../../src';
import { parseCommand } from '../../src/codec/command';
import { EXIT } from '../exit-codes';

/** Runs the hello-world and prints each command as it crosses. */
export async function hello(): Promise<number> {
  for (const name of ['NULL', 'PLAIN']) {
    const client = defaultRegistry.client(name, { username: 'admin', password: 'secret' });
    const server = defaultRegistry.server(name, {})();
    const result = await runHandshake(client, server, { authorizer: (r) => r.password === 'secret' });
    process.stdout.write(`-- ${name} --\n`);
    for (const { from, blob } of result.transcript) {
      process.stdout.write(`${from === 'client' ? 'C' : 'S'}:${parseCommand(blob).name}: OK\n`);
    }
    if (!exchange(client, server)) return EXIT.FAILURE;
  }
  process.stdout.write("-> 'Hello World' test successful\n");
  return EXIT.OK;
}

function exchange(client: Mechanism, server: Mechanism): boolean {
  const request = fromUtf8(server.decode(client.encode(utf8('Hello'))).data);
  process.stdout.write(`C:MESSAGE: (request=${request}) OK\n`);
  const reply = fromUtf8(client.decode(server.encode(utf8('World'))).data);
  process.stdout.write(`S:MESSAGE: (reply=${reply}) OK\n`);
  return request === 'Hello' && reply === 'World';
}
