/**
 * `curvezmq hello` (and `npm start`): the main job. A CURVE server and client in one process over
 * ZeroMQ on `tcp://127.0.0.1`, printing each handshake command as the other side accepts it,
 * then one request and its reply:
 *
 * ```
 * C:HELLO: OK
 * S:WELCOME: OK
 * C:INITIATE: (client=<Z85 key>) OK
 * S:READY: OK
 * C:MESSAGE: (request=Hello) OK
 * S:MESSAGE: (reply=World) OK
 * -> 'Hello World' test successful
 * ```
 *
 * @module
 */
import { CURVE } from '../../mechanisms';
import { curveKeyPair, CurveZmqError, parseCommand } from '../../src';
import { EXIT } from '../exit-codes';
import { parseCommand as parseArgv, UsageError } from '../usage';

const TIMEOUT_MS = 10_000;

const HELP = `usage: curvezmq hello

Runs a CURVE server and client in this process over ZeroMQ (tcp://127.0.0.1), prints each
handshake command as the other side accepts it, then one request and its reply. Exits 0 when
the exchange succeeded. Needs the optional package zeromq.
`;

/** Runs the hello-world and prints each command as it crosses; exits 0 when all went well. */
export async function hello(args: string[] = []): Promise<number> {
  try {
    const { values, positionals } = parseArgv(args, { help: { type: 'boolean', short: 'h' } });
    if (values.help === true) return (process.stdout.write(HELP), EXIT.OK);
    if (positionals.length > 0) throw new UsageError(`hello takes no arguments, got ${JSON.stringify(positionals[0])}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`curvezmq hello: ${error.message}\n${HELP.split('\n')[0]}\n`);
    return EXIT.USAGE;
  }
  // Loaded here, not at the top: `hello --help` works without the optional zeromq, and without
  // it the import fails with the adapter's one-line message, which main() prints.
  const { ZeroMqClient, ZeroMqServer } = await import('../../src/adapters/zeromq');
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const print = (line: string): boolean => process.stdout.write(line + '\n');
  let clientKey = '';
  const server = new ZeroMqServer({
    mechanism: CURVE,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    authorizer: (request) => {
      clientKey = request.publicKeyZ85 ?? '';
      return clientKey === clientKeys.publicKey;
    },
    handshakeTimeout: TIMEOUT_MS,
  });
  const client = new ZeroMqClient({
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
    handshakeTimeout: TIMEOUT_MS,
    linger: 0,
  });
  server.on('handshake:receive', (_id, blob) => {
    const name = parseCommand(blob).name;
    print(`C:${name}: ${name === 'INITIATE' ? `(client=${clientKey}) ` : ''}OK`);
  });
  client.on('handshake:receive', (blob) => print(`S:${parseCommand(blob).name}: OK`));
  try {
    await client.connect(await server.bind('tcp://127.0.0.1:*'));
    await client.send('Hello');
    const request = await server.receive();
    const requestText = request.parts.join('');
    print(`C:MESSAGE: (request=${requestText}) OK`);
    await request.reply('World');
    const replyText = (await client.receive()).join('');
    print(`S:MESSAGE: (reply=${replyText}) OK`);
    if (requestText !== 'Hello' || replyText !== 'World') return EXIT.PROTOCOL;
    print(`-> '${requestText} ${replyText}' test successful`);
    return EXIT.OK;
  } catch (error) {
    process.stderr.write(`curvezmq hello: ${error instanceof CurveZmqError ? `${error.code}: ` : ''}${(error as Error).message}\n`);
    return EXIT.FAILURE;
  } finally {
    await client.close();
    await server.close();
  }
}
