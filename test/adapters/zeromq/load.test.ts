import { MECHANISMS, freshAddress, setup, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

const CLIENTS = 100;
const MESSAGES = 100;

test(`${CLIENTS} concurrent ${MECHANISMS.at(-1)} clients × ${MESSAGES} messages: nothing lost, duplicated or reordered`, async () => {
  const s = setup(MECHANISMS.at(-1)!);
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const seen = new Map<string, number>();
  const echo = (async () => {
    for await (const message of server) {
      const [client, index] = message.parts[0]!.toString().split(':').map(Number) as [number, number];
      // Per session the server must see 0, 1, 2, ... from one client only.
      const next = seen.get(message.sessionId) ?? 0;
      if (index !== next || client < 0) throw new Error(`session ${message.sessionId}: got ${index}, expected ${next}`);
      seen.set(message.sessionId, next + 1);
      await message.reply(message.parts);
    }
  })();

  const run = async (id: number): Promise<string[]> => {
    const client = tracker.client({ ...s.client() });
    await client.connect(endpoint);
    const replies: string[] = [];
    const receiving = (async () => {
      while (replies.length < MESSAGES) replies.push((await client.receive())[0]!.toString());
    })();
    for (let i = 0; i < MESSAGES; i++) await client.send(`${id}:${i}`);
    await receiving;
    return replies;
  };
  const results = await Promise.all(Array.from({ length: CLIENTS }, (_, id) => run(id)));

  results.forEach((replies, id) => {
    expect(replies).toEqual(Array.from({ length: MESSAGES }, (_, i) => `${id}:${i}`));
  });
  expect(seen.size).toBe(CLIENTS);
  expect([...seen.values()].every((count) => count === MESSAGES)).toBe(true);
  server.close();
  await echo;
}, 60_000);
