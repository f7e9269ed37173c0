/**
 * What the CURVE server tests share: servers started, HELLOs answered, an honest vouch, and the
 * check of a silent failure.
 */
import { CurveServer } from '../../../mechanisms/curve';
import { fromHex, type Mechanism } from '../../../src';
import { expectFailed } from '../../helpers/expect-error';
import { craftHello, transient } from './craft';
import { clientKeys, makeServerFactory, only, readVector, serverKeys } from './helpers';

export const lowOrder = readVector<{ points: Array<{ public: string }> }>('x25519_low_order_points.json').points.map((p) => fromHex(p.public));

export function startedServer(factory = makeServerFactory()): CurveServer {
  const server = factory();
  server.start();
  return server;
}

/** A server that has answered a crafted HELLO from transient `c`; returns its WELCOME too. */
export function welcomed(seed = 3, factory = makeServerFactory()) {
  const c = transient(seed);
  const server = startedServer(factory);
  const welcome = only(server.receive(craftHello(c, serverKeys.publicKey)).send);
  return { c, server, welcome };
}

export const honest = { clientPublic: clientKeys.publicKey, vouchSecret: clientKeys.secretKey, vouchServer: serverKeys.publicKey };

export function expectSilentFailure(server: Mechanism, blob: Uint8Array, code: Parameters<typeof expectFailed>[1]) {
  const step = server.receive(blob);
  expectFailed(step, code);
  expect(step.send).toEqual([]);
  expect(server.status).toBe('failed');
}
