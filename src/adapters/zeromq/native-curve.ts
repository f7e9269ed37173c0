/**
 * Helpers for users who let libzmq run CURVE itself (to talk to pyzmq, CZMQ or libzmq peers):
 * zeromq.js socket options from our keys. Pass the result to a socket's constructor, e.g.
 * `new zmq.Router(nativeCurveServer(secretKey))`, and run {@link ZapHandler} so that our
 * authorizers decide who gets in.
 *
 * @module
 */
import { keyToZ85, publicKeyOf, toPublicKey, toSecretKey, type KeyLike } from '../../keys';
import { z85Encode } from '../../z85';

/** zeromq.js options of a native CURVE server socket. */
export interface NativeCurveServerOptions {
  /** ZMQ_CURVE_SERVER */
  readonly curveServer: true;
  /** ZMQ_CURVE_SECRETKEY, in Z85. */
  readonly curveSecretKey: string;
  /** ZMQ_CURVE_PUBLICKEY, in Z85 (derived from the secret key). */
  readonly curvePublicKey: string;
}

/** zeromq.js options of a native CURVE client socket. */
export interface NativeCurveClientOptions {
  /** ZMQ_CURVE_SECRETKEY, in Z85. */
  readonly curveSecretKey: string;
  /** ZMQ_CURVE_PUBLICKEY, in Z85 (derived from the secret key). */
  readonly curvePublicKey: string;
  /** ZMQ_CURVE_SERVERKEY, in Z85. */
  readonly curveServerKey: string;
}

/**
 * Socket options that make a zeromq.js socket a native CURVE server with `secretKey`.
 *
 * @param secretKey - the server's long-term secret key (32 bytes or 40 Z85 characters)
 * @throws {@link TypeError} / {@link RangeError} for a malformed key
 */
export function nativeCurveServer(secretKey: KeyLike): NativeCurveServerOptions {
  return { curveServer: true, ...ownKeys(secretKey) };
}

/**
 * Socket options that make a zeromq.js socket a native CURVE client.
 *
 * @param options.secretKey - the client's long-term secret key
 * @param options.serverKey - the server's long-term public key
 * @throws {@link TypeError} / {@link RangeError} for a malformed, all-zero or low-order key
 */
export function nativeCurveClient(options: { readonly secretKey: KeyLike; readonly serverKey: KeyLike }): NativeCurveClientOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected { secretKey, serverKey }');
  return { ...ownKeys(options.secretKey), curveServerKey: z85Encode(toPublicKey(options.serverKey, 'serverKey')) };
}

function ownKeys(secretKey: KeyLike): { curveSecretKey: string; curvePublicKey: string } {
  const secret = toSecretKey(secretKey, 'secretKey');
  const keys = { curveSecretKey: keyToZ85(secret), curvePublicKey: z85Encode(publicKeyOf(secret)) };
  secret.fill(0);
  return keys;
}
