/**
 * The Mechanism contract (docs/mechanism.md), checked against every registered built-in.
 */
import { MechanismError, runHandshake, StateError, utf8 } from '../../src';
import { allowAll, mechanismCases } from '../helpers/mechanisms';

describe.each(mechanismCases())('$name honours the Mechanism contract', (m) => {
  test('receive before start is a StateError; start twice is a StateError', () => {
    const client = m.client();
    expect(() => client.receive(new Uint8Array([1]))).toThrow(StateError);
    client.start();
    expect(() => client.start()).toThrow(expect.objectContaining({ code: 'ERR_MECHANISM_STATE' }));
  });

  test('encode and decode before ready are StateErrors', () => {
    const client = m.client();
    client.start();
    expect(() => client.encode(utf8('x'))).toThrow(StateError);
    expect(() => client.decode(utf8('x'))).toThrow(StateError);
  });

  test('authorize with nothing pending is a StateError; a bad decision is a TypeError/RangeError', () => {
    const server = m.server();
    server.start();
    expect(() => server.authorize({ status: 200 })).toThrow(StateError);
    expect(() => server.authorize(null as never)).toThrow(TypeError);
    expect(() => server.authorize({ status: 201 as never })).toThrow(RangeError);
  });

  test('arguments that are not bytes throw TypeError naming the argument', () => {
    const server = m.server();
    server.start();
    expect(() => server.receive('HELLO' as never)).toThrow(/"blob"/);
  });

  test('a failed mechanism produces nothing more: every call throws StateError', () => {
    const server = m.server();
    server.start();
    const step = server.receive(new Uint8Array([0]));
    expect(step.status).toBe('failed');
    expect(step.error).toBeInstanceOf(MechanismError);
    expect(server.error).toBe(step.error);
    expect(() => server.receive(new Uint8Array([0]))).toThrow(StateError);
    expect(() => server.encode(utf8('x'))).toThrow(StateError);
  });

  test('ready sessions round-trip parts both ways; destroy ends the session', async () => {
    const { client, server } = await runHandshake(m.client(), m.server(), { authorizer: allowAll });
    expect([client.status, server.status]).toEqual(['ready', 'ready']);
    const part = server.decode(client.encode(utf8('ping'), { more: true }));
    expect(part).toEqual({ data: utf8('ping'), more: true, command: false });
    expect(client.decode(server.encode(utf8('pong'))).data).toEqual(utf8('pong'));
    client.destroy();
    expect(client.status).toBe('failed');
    expect(() => client.encode(utf8('x'))).toThrow(StateError);
  });

  test('input buffers may be unaligned subarrays and are not retained (row 53)', async () => {
    const { client, server } = await runHandshake(m.client(), m.server(), { authorizer: allowAll });
    const backing = new Uint8Array(64);
    const data = backing.subarray(3, 10);
    data.set(utf8('unalign'));
    const blob = client.encode(data);
    data.fill(0);
    const wire = new Uint8Array(blob.length + 5);
    wire.set(blob, 5);
    const decoded = server.decode(wire.subarray(5));
    wire.fill(0);
    expect(decoded.data).toEqual(utf8('unalign'));
  });
});
