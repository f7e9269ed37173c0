/**
 * Hostile bytes against both state machines, in every state a peer can reach: nothing throws,
 * and whatever ends a session carries a FileMqError with a stable code.
 */
import fc from 'fast-check';
import { defaultRegistry } from '../../mechanisms';
import { allow, ChannelError } from '../../src';
import { ClientSession, encodeCommand, FileMqError, ServerSession, type NamedFactory } from '../../src/filemq';

const nullServer: NamedFactory[] = [{ name: 'NULL', create: defaultRegistry.server('NULL') }];
const nullClient: NamedFactory[] = [{ name: 'NULL', create: () => defaultRegistry.client('NULL') }];

/** A client and a server brought to the state where access was just granted. */
function granted(): { client: ClientSession; server: ServerSession } {
  const client = new ClientSession({ mechanisms: nullClient, path: '/' });
  const server = new ServerSession({ mechanisms: nullServer, authorizer: () => allow(), onDecision: () => undefined });
  const orly = server.receive(client.start().send[0]!).send[0]!;
  const ohaiOk = server.receive(client.receive(orly).send[0]!).send[0]!;
  server.receive(client.receive(ohaiOk).send[0]!); // ICANHAZ: the server now plans
  return { client, server };
}

// Bytes that often pass the signature and pick a real command id, so the parsers go deep.
const frames = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.tuple(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 128, 129), fc.uint8Array({ maxLength: 200 })).map(([id, body]) =>
    Uint8Array.of(0xaa, 0xa3, id, ...body),
  ),
  // A NULL-sealed inner command with a random body: flags byte 0, then a framed command.
  fc.tuple(fc.constantFrom(5, 6, 7, 8, 9, 10, 11, 129), fc.uint8Array({ maxLength: 120 })).map(([id, body]) =>
    encodeCommand({ name: 'SEALED', blob: Uint8Array.of(0, 0xaa, 0xa3, id, ...body) }),
  ),
);

test('the server takes any frames in any state without throwing', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.array(frames, { minLength: 1, maxLength: 8 }), (afterAccess, input) => {
      const server = afterAccess ? granted().server : new ServerSession({ mechanisms: nullServer, authorizer: () => allow(), onDecision: () => undefined });
      for (const frame of input) {
        const actions = server.receive(frame);
        if (actions.error !== undefined) expect(actions.error instanceof FileMqError || actions.error instanceof ChannelError).toBe(true);
        if (actions.close === true) expect(server.status).toBe('closed');
      }
    }),
    { numRuns: 800 },
  );
});

test('the client takes any frames in any state without throwing', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.array(frames, { minLength: 1, maxLength: 8 }), (afterAccess, input) => {
      let client: ClientSession;
      if (afterAccess) client = granted().client;
      else {
        client = new ClientSession({ mechanisms: nullClient, path: '/' });
        client.start();
      }
      for (const frame of input) {
        const actions = client.receive(frame);
        if (actions.store !== undefined) client.stored(true);
        if (actions.status === 'failed') expect(client.error instanceof FileMqError || client.error instanceof ChannelError).toBe(true);
      }
    }),
    { numRuns: 800 },
  );
});
