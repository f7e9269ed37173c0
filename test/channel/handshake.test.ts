/**
 * The handshake driver every adapter runs (src/channel/handshake.ts): outcomes of each step,
 * the authorizer call with the verified address, late decisions ignored after close or
 * failure, throwing mechanisms, oversize blobs, the deadline and the ownership of the mechanism.
 */
import { ChannelError, StateError, type AuthRequest, type Mechanism, type Step } from '../../src';
import { HandshakeDriver, type HandshakeOutcome } from '../../src/channel/handshake';
import { allowAll, mechanismCases } from '../helpers/mechanisms';

const curve = mechanismCases().find((m) => m.name === 'CURVE')!;

/** Drives a client and a server driver by hand; returns both and the server's requests. */
async function run(authorizer: (r: AuthRequest) => boolean | Promise<boolean>, address?: string) {
  const requests: AuthRequest[] = [];
  let decided!: (o: HandshakeOutcome) => void;
  const server = new HandshakeDriver(curve.server(), {
    authorizer: (r) => (requests.push(r), authorizer(r)),
    onDecision: (o) => decided(o),
    ...(address === undefined ? {} : { address }),
  });
  const client = new HandshakeDriver(curve.client());
  expect(server.start().send).toHaveLength(0);
  let toServer = [...client.start().send];
  while (toServer.length > 0) {
    const blob = toServer.shift()!;
    let out = server.receive(blob);
    const replies = [...out.send];
    while (out.state === 'deciding') {
      out = await new Promise<HandshakeOutcome>((resolve) => (decided = resolve));
      replies.push(...out.send);
    }
    for (const reply of replies) {
      if (client.state !== 'handshaking') break;
      toServer.push(...client.receive(reply).send);
    }
    if (server.state === 'failed') toServer = [];
  }
  return { client, server, requests };
}

describe('HandshakeDriver', () => {
  test('runs CURVE to ready on both sides, asking the authorizer with the verified address', async () => {
    const { client, server, requests } = await run(() => true, '10.0.0.1:5555');
    expect(client.state).toBe('ready');
    expect(server.state).toBe('ready');
    expect(server.peer?.publicKeyZ85).toBe(requests[0]!.publicKeyZ85);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.address).toBe('10.0.0.1:5555');
  });

  test('a refusal fails the server with the ERROR to send, and destroys its mechanism', async () => {
    const { client, server } = await run(() => false);
    expect(server.state).toBe('failed');
    expect(server.error).toMatchObject({ code: 'ERR_AUTH_DENIED' });
    expect(client.state).toBe('failed');
    expect(client.error).toMatchObject({ code: 'ERR_PEER_ERROR' });
    expect(() => server.mechanism.encode(new Uint8Array(1))).toThrow(StateError);
  });

  test('a decision that lands after close() is ignored: onDecision is never called', async () => {
    let release!: (v: boolean) => void;
    const onDecision = jest.fn();
    const server = new HandshakeDriver(curve.server(), { authorizer: () => new Promise<boolean>((r) => (release = r)), onDecision });
    const client = new HandshakeDriver(curve.client());
    server.start();
    let blobs = [...client.start().send];
    let out: HandshakeOutcome | undefined;
    while (blobs.length > 0 && out?.state !== 'deciding') {
      out = server.receive(blobs.shift()!);
      for (const reply of out.send) blobs.push(...client.receive(reply).send);
    }
    expect(server.state).toBe('deciding');
    expect(() => server.receive(new Uint8Array(10))).toThrow(StateError);
    server.close();
    release(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(onDecision).not.toHaveBeenCalled();
    expect(server.state).toBe('closed');
  });

  test('a decision that lands after the deadline is ignored too', async () => {
    let release!: (v: boolean) => void;
    const onDecision = jest.fn();
    const server = new HandshakeDriver(curve.server(), {
      authorizer: () => new Promise<boolean>((r) => (release = r)),
      onDecision,
      timeout: 250,
    });
    const client = new HandshakeDriver(curve.client());
    server.start();
    const blobs = [...client.start().send];
    while (server.state === 'handshaking') {
      const out = server.receive(blobs.shift()!);
      for (const reply of out.send) blobs.push(...client.receive(reply).send);
    }
    const expired = server.expire();
    expect(expired.state).toBe('failed');
    expect(expired.error).toBeInstanceOf(ChannelError);
    expect(expired.error).toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT', message: 'the handshake did not complete in 250 ms' });
    release(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(onDecision).not.toHaveBeenCalled();
    // Over is over: a second failure changes nothing.
    expect(server.fail(new Error('later')).error).toBe(expired.error);
  });

  test('an authorizer that throws becomes status 500, never allow', async () => {
    const { server } = await run(() => {
      throw new Error('database down');
    });
    expect(server.state).toBe('failed');
    expect(server.error).toMatchObject({ code: 'ERR_AUTH_ERROR' });
  });

  test('a mechanism that throws fails the handshake instead of escaping', () => {
    const broken = { ...curve.client(), role: 'client', start: (): Step => { throw new RangeError('bug'); }, receive: () => ({ send: [], status: 'handshaking' }), destroy: jest.fn() } as unknown as Mechanism;
    const driver = new HandshakeDriver(broken);
    const out = driver.start();
    expect(out.state).toBe('failed');
    expect(out.error).toBeInstanceOf(RangeError);
    expect(broken.destroy).toHaveBeenCalled();
  });

  test('a handshake blob over maxBlobSize fails with ERR_FRAME_TOO_LARGE before the mechanism sees it', () => {
    const mechanism = curve.server();
    const receive = jest.spyOn(mechanism, 'receive');
    const driver = new HandshakeDriver(mechanism, { authorizer: allowAll, onDecision: () => undefined, maxBlobSize: 300 });
    driver.start();
    const out = driver.receive(new Uint8Array(301));
    expect(out.error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    expect(receive).not.toHaveBeenCalled();
  });

  test('a server without an authorizer or onDecision is refused at once', () => {
    expect(() => new HandshakeDriver(curve.server())).toThrow(/"options.authorizer" is required/);
    expect(() => new HandshakeDriver(curve.server(), { authorizer: allowAll })).toThrow(/"options.onDecision" is required/);
    expect(() => new HandshakeDriver({} as Mechanism)).toThrow(TypeError);
  });

  test('calls out of turn are StateErrors', () => {
    const driver = new HandshakeDriver(curve.client());
    expect(() => driver.receive(new Uint8Array(1))).toThrow(StateError);
    driver.start();
    expect(() => driver.start()).toThrow(StateError);
    driver.close();
    expect(driver.state).toBe('closed');
    expect(() => driver.receive(new Uint8Array(1))).toThrow(StateError);
  });
});
