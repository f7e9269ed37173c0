/**
 * CURVE: the CurveZMQ security mechanism (ZeroMQ RFC 26, carried by ZMTP as RFC 25), wire-exact
 * with libzmq. Authenticated, confidential, forward-secret sessions over any channel that
 * carries blobs. The exact profile is in `docs/protocol.md`.
 *
 * ```ts
 * const client = CURVE.client({ secretKey: clientSecret, serverKey: serverPublic });
 * const sessions = CURVE.server({ secretKey: serverSecret }); // one per listening endpoint
 * const server = sessions();                                  // one per connection
 * ```
 *
 * @module
 */
import { StateError, type MechanismDefinition } from '../../src';
import { CurveClient } from './client';
import type { CurveClientOptions, CurveServerOptions } from './options';
import { CurveServer, curveServerEndpoint } from './server';
import { INITIATE_MIN_SIZE, MAX_METADATA_BYTES } from './commands';

export { CurveClient, type CurveClientState } from './client';
export { CurveServer, type CurveServerState } from './server';
export type { CurveOptions, CurveClientOptions, CurveServerOptions, CurveCommonOptions } from './options';
export type { CookieKeyRotation } from './cookie';

/**
 * The CURVE definition for the registry. `server(options)` validates the options once and
 * returns a factory whose sessions share the endpoint's cookie key ring and replay record; its
 * `close()` wipes the cookie keys and the endpoint's copy of the secret key, after which it
 * makes no more sessions.
 *
 * @throws {@link TypeError} / {@link RangeError} from `client()` and `server()` for bad options
 */
export const CURVE: MechanismDefinition<CurveClientOptions, CurveServerOptions, 'CURVE'> = {
  name: 'CURVE',
  // INITIATE, with the most metadata a peer may send, is the largest command.
  wire: { parts: 'sealed', roles: true, maxHandshakeSize: INITIATE_MIN_SIZE + MAX_METADATA_BYTES },
  client: (options) => new CurveClient(options),
  server: (options) => {
    const endpoint = curveServerEndpoint(options);
    let closed = false;
    const sessions = () => {
      if (closed) throw new StateError('the CURVE server endpoint was closed');
      return new CurveServer(endpoint);
    };
    sessions.close = () => {
      closed = true;
      endpoint.close();
    };
    return sessions;
  },
};
