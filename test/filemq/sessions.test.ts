/**
 * The client and server state machines driven against each other in memory (no I/O), with
 * every registered mechanism picked by name, plus the faults each side must catch.
 */
import { createHash } from 'node:crypto';
import { defaultRegistry } from '../../mechanisms';
import { encodePlainPart } from '../../mechanisms/message-part';
import { allow, deny, type Authorizer } from '../../src';
import {
  ClientSession,
  CreditLedger,
  encodeCommand,
  planTransfers,
  ServerSession,
  type CacheEntry,
  type Cheezburger,
  type ClientActions,
  type InnerCommand,
  type NamedFactory,
  type ServerActions,
} from '../../src/filemq';
import { mechanismCases } from '../helpers/mechanisms';

const sha = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

const FILES: Record<string, Buffer> = {
  'a.txt': Buffer.from('hello'),
  'empty': Buffer.alloc(0),
  'dir/big.bin': Buffer.alloc(10_000, 3),
};
const MANIFEST = Object.entries(FILES).map(([path, data]) => ({ path, size: data.length, sha256: sha(data) }));

interface RunOptions {
  readonly client: NamedFactory[];
  readonly server: NamedFactory[];
  readonly authorizer?: Authorizer;
  readonly cache?: CacheEntry[];
  readonly chunkSize?: number;
  readonly window?: number;
  /** What the server announces (default: the true manifest of FILES). */
  readonly manifest?: typeof MANIFEST;
  /** Replaces a frame on its way from the client to the server. */
  readonly tamper?: (frame: Uint8Array) => Uint8Array;
}

/** Drives both sessions to the end; returns what the client stored and how it ended. */
async function run(options: RunOptions) {
  const client = new ClientSession({
    mechanisms: options.client,
    path: '/',
    cache: options.cache,
    credit: options.window === undefined ? undefined : { window: options.window, slice: Math.ceil(options.window / 4) },
  });
  let decided: ((actions: ServerActions) => void) | undefined;
  const server = new ServerSession({
    mechanisms: options.server,
    chunkSize: options.chunkSize ?? 4096,
    authorizer: options.authorizer ?? (() => allow()),
    onDecision: (actions) => decided?.(actions),
  });
  const stored: Cheezburger[] = [];
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  let maxInFlight = 0;
  let inFlight = 0;
  const clientDid = (actions: ClientActions) => {
    toServer.push(...actions.send.map((f) => options.tamper?.(f) ?? f));
    if (actions.store !== undefined) {
      stored.push(actions.store);
      inFlight -= actions.store.data.length;
      const data = FILES[actions.store.path]!;
      clientDid(client.stored(!actions.store.eof || Buffer.from(sha(data)).equals(actions.store.sha256)));
    }
  };
  const serverDid = async (actions: ServerActions): Promise<void> => {
    toClient.push(...actions.send);
    if (actions.deciding === true) return serverDid(await new Promise<ServerActions>((resolve) => (decided = resolve)));
    if (actions.subscribe !== undefined) {
      const manifest = options.manifest ?? MANIFEST;
      toClient.push(...server.offer(planTransfers(manifest, '', actions.subscribe.cache), manifest.length).send);
    }
    for (let read = server.nextRead(); read !== undefined; read = server.nextRead()) {
      inFlight += read.length;
      maxInFlight = Math.max(maxInFlight, inFlight);
      toClient.push(server.chunk(FILES[read.path]!.subarray(read.offset, read.offset + read.length)));
    }
  };
  clientDid(client.start());
  while (toServer.length > 0 || toClient.length > 0) {
    while (toServer.length > 0) await serverDid(server.receive(toServer.shift()!));
    while (toClient.length > 0) clientDid(client.receive(toClient.shift()!));
  }
  return { client, server, stored, maxInFlight };
}

describe.each(mechanismCases().map((c) => [c.name, c] as const))('over %s', (name, mechanism) => {
  const factories = (side: 'client' | 'server'): NamedFactory[] => [{ name, create: side === 'client' ? mechanism.client : mechanism.server }];

  test('every file arrives in order and the client ends done', async () => {
    const { client, stored } = await run({ client: factories('client'), server: factories('server') });
    expect(client.status).toBe('done');
    expect(client.peer?.mechanism).toBe(name);
    const rebuilt: Record<string, Buffer> = {};
    for (const chunk of stored) rebuilt[chunk.path] = Buffer.concat([rebuilt[chunk.path] ?? Buffer.alloc(0), chunk.data]);
    expect(rebuilt).toEqual(FILES);
  });

  test('a refusal is SRSLY: the client fails with ERR_FILEMQ_REFUSED and stores nothing', async () => {
    const { client, server, stored } = await run({ client: factories('client'), server: factories('server'), authorizer: () => deny() });
    // NULL asks no decision unless told to, so only mechanisms that ask can be refused here.
    if (name === 'NULL') return expect(client.status).toBe('done');
    expect(client.status).toBe('failed');
    expect(client.error?.code).toBe('ERR_FILEMQ_REFUSED');
    expect(server.status).toBe('closed');
    expect(stored).toEqual([]);
  });
});

const nullFactories = (side: 'client' | 'server'): NamedFactory[] => [
  { name: 'NULL', create: side === 'client' ? () => defaultRegistry.client('NULL') : defaultRegistry.server('NULL') },
];

/** A NULL server session that lets everyone in; its decisions (none for NULL) are ignored. */
const nullServer = () => new ServerSession({ mechanisms: nullFactories('server'), authorizer: () => allow(), onDecision: () => undefined });

test('the server picks the first of its own mechanisms that the client offers', async () => {
  const server = [
    { name: 'PLAIN', create: defaultRegistry.server('PLAIN') },
    ...nullFactories('server'),
  ];
  const { client } = await run({ client: nullFactories('client'), server });
  expect(client.status).toBe('done');
  expect(client.peer?.mechanism).toBe('NULL');
});

test('no common mechanism is SRSLY', async () => {
  const { client } = await run({ client: nullFactories('client'), server: [{ name: 'PLAIN', create: defaultRegistry.server('PLAIN') }] });
  expect(client.error?.code).toBe('ERR_FILEMQ_REFUSED');
  expect(client.error?.message).toMatch(/no common mechanism/);
});

test('credit: the server never has more than the window in flight and splits chunks to fit', async () => {
  const { client, maxInFlight, stored } = await run({ client: nullFactories('client'), server: nullFactories('server'), window: 1000, chunkSize: 4096 });
  expect(client.status).toBe('done');
  expect(maxInFlight).toBeLessThanOrEqual(1000);
  expect(Math.max(...stored.map((c) => c.data.length))).toBeLessThanOrEqual(1000);
});

test('the credit ledger hands out at most what was granted', () => {
  const ledger = new CreditLedger();
  expect(ledger.take(10)).toBe(0);
  ledger.grant(100);
  expect(ledger.take(64)).toBe(64);
  expect(ledger.take(64)).toBe(36);
  expect(ledger.take(1)).toBe(0);
  ledger.grant(Number.MAX_SAFE_INTEGER);
  ledger.grant(Number.MAX_SAFE_INTEGER);
  expect(ledger.credit).toBe(Number.MAX_SAFE_INTEGER);
});

/** A NULL-sealed inner command: NULL's message part is a flags byte and the data. */
const nullSealed = (command: InnerCommand): Uint8Array =>
  encodeCommand({ name: 'SEALED', blob: encodePlainPart(encodeCommand(command), {}) });

test('a client catches a server that sends beyond its credit', async () => {
  // A forged, oversized NOM makes the server overrun the window the client actually granted.
  const tamper = (frame: Uint8Array) =>
    frame[2] === 0 && frame[4] === 0xaa && frame[6] === 7 ? nullSealed({ name: 'NOM', credit: 1_000_000 }) : frame;
  const { client } = await run({ client: nullFactories('client'), server: nullFactories('server'), window: 1000, tamper });
  expect(client.status).toBe('failed');
  expect(client.error?.code).toBe('ERR_FILEMQ_CREDIT');
});

test('resync skips what the client holds and resumes partial copies', async () => {
  const big = MANIFEST.find((e) => e.path === 'dir/big.bin')!;
  const a = MANIFEST.find((e) => e.path === 'a.txt')!;
  const cache: CacheEntry[] = [
    { path: 'a.txt', size: a.size, sha256: a.sha256, complete: true },
    { path: 'dir/big.bin', size: 6000, sha256: big.sha256, complete: false },
  ];
  expect(planTransfers(MANIFEST, '', cache).map((t) => [t.path, t.offset])).toEqual([
    ['dir/big.bin', 6000],
    ['empty', 0],
  ]);
  // A complete copy with other content, or a partial copy of other content, starts over.
  const stale: CacheEntry[] = [
    { path: 'a.txt', size: 5, sha256: big.sha256, complete: true },
    { path: 'dir/big.bin', size: 6000, sha256: a.sha256, complete: false },
  ];
  expect(planTransfers(MANIFEST, 'dir', stale).map((t) => [t.path, t.offset])).toEqual([['dir/big.bin', 0]]);

  const { client, stored } = await run({ client: nullFactories('client'), server: nullFactories('server'), cache });
  expect(client.status).toBe('done');
  expect(stored.filter((c) => c.path === 'dir/big.bin').map((c) => c.offset)[0]).toBe(6000);
  expect(client.receivedBytes).toBe(4000);
});

test('a file whose SHA-256 does not match fails the sync with ERR_FILEMQ_INTEGRITY after the others', async () => {
  const manifest = MANIFEST.map((e) => (e.path === 'a.txt' ? { ...e, sha256: sha(Buffer.from('other')) } : e));
  const { client, stored } = await run({ client: nullFactories('client'), server: nullFactories('server'), manifest });
  expect(client.status).toBe('failed');
  expect(client.error?.code).toBe('ERR_FILEMQ_INTEGRITY');
  expect(client.integrityFailures).toEqual(['a.txt']);
  expect(new Set(stored.map((c) => c.path))).toEqual(new Set(Object.keys(FILES)));
});

test('a second sync with everything held sends no chunk', async () => {
  const cache = MANIFEST.map((e) => ({ ...e, complete: true }));
  const { client, stored } = await run({ client: nullFactories('client'), server: nullFactories('server'), cache });
  expect(client.status).toBe('done');
  expect(stored).toEqual([]);
});

describe('server faults', () => {
  const ohai = encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['NULL'] });

  test('frames without the signature are dropped silently', () => {
    const server = nullServer();
    expect(server.receive(Uint8Array.of(1, 2, 3))).toEqual({ send: [], dropped: true });
    expect(server.status).toBe('expectOhai');
  });

  test('an unexpected or malformed command is RTFM and closes', () => {
    for (const frame of [encodeCommand({ name: 'KTHXBAI' }), Uint8Array.of(0xaa, 0xa3, 1, 200), Uint8Array.of(0xaa, 0xa3, 99)]) {
      const server = nullServer();
      const actions = server.receive(frame);
      expect(actions.close).toBe(true);
      expect(Buffer.from(actions.send[0]!).subarray(0, 3)).toEqual(Buffer.of(0xaa, 0xa3, 129));
      expect(server.status).toBe('closed');
    }
  });

  test('a wrong protocol version is RTFM', () => {
    const server = nullServer();
    const actions = server.receive(encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 2, mechanisms: ['NULL'] }));
    expect(actions.error?.code).toBe('ERR_FILEMQ_UNEXPECTED');
  });

  test('a sealed command before access is granted is RTFM', () => {
    const server = nullServer();
    server.receive(ohai);
    const actions = server.receive(encodeCommand({ name: 'SEALED', blob: new Uint8Array(40) }));
    expect(actions.close).toBe(true);
    expect(actions.error?.code).toBe('ERR_FILEMQ_UNEXPECTED');
  });

  test('a sealed command the mechanism rejects after access is a security failure, answered in the clear', () => {
    const server = nullServer();
    const client = new ClientSession({ mechanisms: nullFactories('client'), path: '/' });
    const orly = server.receive(client.start().send[0]!).send[0]!;
    const granted = server.receive(client.receive(orly).send[0]!);
    expect(granted.granted).toBe(true);
    // NULL's message part refuses reserved flag bits: the blob does not decode.
    const actions = server.receive(encodeCommand({ name: 'SEALED', blob: Uint8Array.of(0xff, 1, 2) }));
    expect(actions.error?.code).toBe('ERR_FILEMQ_SECURITY');
    expect(actions.close).toBe(true);
    expect([...actions.send[0]!.subarray(0, 3)]).toEqual([0xaa, 0xa3, 129]);
  });

  test('misuse of the binding API throws', () => {
    const server = nullServer();
    expect(() => server.offer([], 0)).toThrow(/no subscription/);
    expect(() => server.chunk(new Uint8Array(0))).toThrow(/no read/);
    expect(() => new ServerSession({ mechanisms: [], authorizer: () => allow(), onDecision: () => undefined })).toThrow(RangeError);
    const noAuthorizer = { mechanisms: nullFactories('server'), onDecision: () => undefined } as never;
    expect(() => new ServerSession(noAuthorizer)).toThrow(new TypeError('"options.authorizer" is required: pass a function deciding who may enter (allowAny() lets everyone in)'));
    expect(server.receive(ohai).send).toHaveLength(1);
  });
});

describe('client faults', () => {
  const client = () => new ClientSession({ mechanisms: nullFactories('client'), path: '/' });

  test('RTFM and SRSLY fail the client with their codes', () => {
    const a = client();
    a.start();
    expect(a.receive(encodeCommand({ name: 'SRSLY', reason: 'no' })).error?.code).toBe('ERR_FILEMQ_REFUSED');
    const b = client();
    b.start();
    expect(b.receive(encodeCommand({ name: 'RTFM', reason: 'bad' })).error?.code).toBe('ERR_FILEMQ_RTFM');
  });

  test('an OHAI-OK that the mechanism did not complete is a security failure', () => {
    const c = client();
    c.start();
    c.receive(encodeCommand({ name: 'ORLY', mechanism: 'NULL', blobs: [] }));
    expect(c.receive(encodeCommand({ name: 'OHAI-OK', blobs: [] })).error?.code).toBe('ERR_FILEMQ_SECURITY');
  });

  test('a mechanism the client did not offer is refused', () => {
    const c = client();
    c.start();
    expect(c.receive(encodeCommand({ name: 'ORLY', mechanism: 'PLAIN', blobs: [] })).error?.code).toBe('ERR_FILEMQ_UNEXPECTED');
  });

  test('a bad subscription path is a RangeError', () => {
    expect(() => new ClientSession({ mechanisms: nullFactories('client'), path: '../etc' })).toThrow(RangeError);
  });
});
