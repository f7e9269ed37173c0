/**
 * What the CURVE client and server sessions share: the list of secrets one wipe reaches, and
 * the MESSAGE codec that takes over the session key once the handshake is done (RFC 26 MESSAGE).
 *
 * @module
 */
import { wipe } from '../../src/bytes';
import { MechanismBase, StateError, type DecodedPart, type TunedPartFlags } from '../../src';
import { ownBytes } from './commands';
import { MessageCodec, type MessageCodecInit } from './message';

/** A CURVE session of either role: its secrets, and its codec once ready. */
export abstract class CurveSession extends MechanismBase {
  /**
   * Every secret buffer this session made, so that one wipe reaches them all. Once ready, only
   * the codec's session key is live: the others are already zero, so the list shrinks to it.
   */
  private secrets: Uint8Array[] = [];
  /** beforenm(peer', own'), from INITIATE until the codec takes it over. */
  protected sessionKey: Uint8Array | undefined;
  private codec: MessageCodec | undefined;

  /** Records `secret` for wiping and returns it. */
  protected keep(secret: Uint8Array): Uint8Array {
    this.secrets.push(secret);
    return secret;
  }

  /**
   * Hands the session over to a MESSAGE codec built from `init` and the session key, which the
   * codec copies beside its nonces: the session's copy is wiped now, and the codec's is the one
   * secret left to wipe.
   */
  protected adoptCodec(init: Omit<MessageCodecInit, 'key'>): void {
    const codec = new MessageCodec({ ...init, key: this.sessionKey! });
    wipe(this.sessionKey);
    this.sessionKey = undefined;
    this.codec = codec;
    this.secrets = [codec.key];
  }

  /**
   * Marks the MESSAGE codec's receive state; the function returned puts it back (see
   * `TunedCodec.checkpoint`: an adapter rewinds a multipart message that did not authenticate
   * whole).
   *
   * @throws {@link StateError} before the session is ready
   */
  checkpoint(): () => void {
    if (this.codec === undefined) throw new StateError('checkpoint() needs a ready session');
    return this.codec.checkpoint();
  }

  protected encodePart(data: Uint8Array, flags: TunedPartFlags): Uint8Array {
    return this.codec!.encode(data, flags);
  }

  protected decodePart(blob: Uint8Array, inPlace: boolean): DecodedPart {
    return this.codec!.decode(ownBytes(blob), inPlace);
  }

  protected wipeSecrets(): void {
    wipe(...this.secrets);
  }
}
