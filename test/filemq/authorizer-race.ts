/**
 * Finding 7's scenario, run by `findings-race.test.ts` in a child process under
 * `--unhandled-rejections=strict` (through `race-child.js`): a FileMQ server whose authorizer
 * answers a moment later, and clients that send HELLO then, at once, a command the server must
 * answer with RTFM, so that decisions land while the RTFM is being sent; others leave, or let
 * the handshake deadline pass, and some finish their handshake, meanwhile. Any unhandled rejection ends the process non-zero.
 * Prints one line of counts and exits 0 once every client is done and the server closed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { PLAIN } from '../../mechanisms';
import { FileMqServer } from '../../src/adapters/zeromq/filemq';
import { ClientSession, encodeCommand } from '../../src/filemq';

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 240);
const AT_ONCE = Number(process.env.RACE_AT_ONCE ?? 24);

/**
 * Each send of the server's Router waits 0-2 ms first, as on a loaded socket whose queue is
 * busy: the window in which a reply is "being sent" while a decision lands. Only this child's
 * Routers are slowed; the clients use Dealers.
 */
function slowRouterSends(): void {
  const send = zmq.Router.prototype.send;
  Object.defineProperty(zmq.Router.prototype, 'send', {
    value(this: zmq.Router, ...args: Parameters<typeof send>) {
      return new Promise<void>((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3))).then(() => send.apply(this, args));
    },
  });
}

async function main(): Promise<void> {
  slowRouterSends();
  const root = await mkdtemp(join(tmpdir(), 'curvezmq-filemq-race-'));
  await writeFile(join(root, 'a.txt'), 'alpha');
  let decisions = 0;
  const server = new FileMqServer({
    root,
    mechanism: PLAIN,
    handshakeTimeout: 150,
    // Answers within a microtask, a turn, or 0-3 ms: before, while or after a reply is sent.
    authorizer: () =>
      new Promise<boolean>((resolve) => {
        const answer = () => (decisions++, resolve(true));
        const r = Math.random();
        if (r < 0.3) setImmediate(answer);
        else if (r < 0.6) queueMicrotask(answer);
        else setTimeout(answer, Math.floor(Math.random() * 4));
      }),
  });
  let granted = 0;
  let ended = 0;
  server.on('handshake', () => granted++).on('handshakeError', () => ended++);
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const unexpected = Buffer.from(encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['PLAIN'] }));

  const one = async (round: number): Promise<void> => {
    const dealer = new zmq.Dealer({ linger: 0, receiveTimeout: 1_000 });
    dealer.connect(endpoint);
    try {
      const client = new ClientSession({ mechanisms: [{ name: 'PLAIN', create: () => PLAIN.client({ username: 'u', password: 'p' }) }], path: '/' });
      await dealer.send(Buffer.from(client.start().send[0]!));
      const yarly = client.receive((await dealer.receive())[0]!).send[0]!;
      await dealer.send(Buffer.from(yarly)); // HELLO: the authorizer is asked
      switch (round % 4) {
        case 0: // a command out of turn at once: RTFM while the decision lands
        case 1:
          await dealer.send(unexpected);
          break;
        case 2: // junk with the signature, then leave
          await dealer.send(Buffer.from([0xaa, 0xa3, 99]));
          break;
        default: {
          // A good client, finishing its handshake while the others race.
          for (let step = 0; step < 4 && client.status === 'handshaking'; step++) {
            const frames = await dealer.receive().catch(() => undefined);
            if (frames === undefined) break;
            for (const frame of client.receive(frames[0]!).send) await dealer.send(Buffer.from(frame));
          }
          return;
        }
      }
      // Whatever the server answers first; a silent server is fine too.
      await dealer.receive().catch(() => undefined);
    } finally {
      dealer.close();
    }
  };

  for (let next = 0; next < ROUNDS; next += AT_ONCE) {
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, ROUNDS - next) }, (_, i) => one(next + i)));
  }
  // Decisions still pending when the server closes are ignored.
  await server.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await rm(root, { recursive: true, force: true });
  process.stdout.write(`rounds ${ROUNDS} decisions ${decisions} granted ${granted} ended ${ended}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`race: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
