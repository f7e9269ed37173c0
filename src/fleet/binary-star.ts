/**
 * The Binary Star state machine (the Guide, chapter 4), pure: a primary and a backup server
 * exchange their state every heartbeat; exactly one of them serves clients. Time is passed in
 * (milliseconds of any one clock), so the rules are tested without sockets or timers.
 *
 * The Guide's rules, kept:
 * - a server starts as `primary` or `backup` and decides when it hears its peer: the primary
 *   becomes `active` when the peer is a `backup`, either becomes `passive` when the peer is
 *   `active`;
 * - a `passive` server becomes `active` when a client asks AND the peer's state has not been
 *   heard for two heartbeats (the client did not reach the active server either), or when the
 *   active peer restarts (it then says `primary` or `backup`);
 * - a `backup` that has never been passive never serves on its own; a `primary` that hears
 *   nothing serves a client only after two heartbeats of silence (it may be a failback while the
 *   backup is active).
 *
 * What we add, because our servers keep journals (the Guide's are stateless):
 * - each heartbeat carries the server's map sequence; whenever neither server is active (at
 *   start, when the active one restarts, two `passive` servers, which the Guide aborts on), the
 *   one with the newer map, else the primary, becomes `active`, and the other waits to hear it
 *   and becomes `passive`. Both compare the same two numbers, so exactly one wins: a primary
 *   restarted with an older journal never serves it over the backup's newer map;
 * - two `active` servers (the Guide aborts; it cannot happen while heartbeats arrive within a
 *   heartbeat, see test/fleet/bstar-state.test.ts) settle by the backup stepping down.
 *
 * @module
 */
import { SEQUENCE_SIZE } from './codec';
import { ChpError } from './errors';
import { getUint64, setUint64 } from './uint64';

/** A server's state, as it says it in its heartbeats. */
export type BinaryStarState = 'primary' | 'backup' | 'active' | 'passive';
/** Which server of the pair this is. */
export type BinaryStarRole = 'primary' | 'backup';

/** Every state. */
export const BINARY_STAR_STATES: readonly BinaryStarState[] = ['primary', 'backup', 'active', 'passive'];

/** A heartbeat from the peer. */
export interface PeerHeartbeat {
  readonly state: BinaryStarState;
  /** The peer's map sequence. */
  readonly sequence: number;
}

/** What a step did: the state before and after (equal when nothing changed). */
export interface BinaryStarStep {
  readonly from: BinaryStarState;
  readonly to: BinaryStarState;
  /** Set when the peer's heartbeat showed a pair that must not be (two actives, two passives). */
  readonly conflict?: 'active' | 'passive';
}

/**
 * A state heartbeat on the wire: two frames, the state's name in ASCII and the map sequence
 * (8 bytes, big-endian, as CHP writes sequences).
 */
export function encodeHeartbeat(heartbeat: PeerHeartbeat): Uint8Array[] {
  const sequence = new Uint8Array(SEQUENCE_SIZE);
  setUint64(new DataView(sequence.buffer), 0, heartbeat.sequence);
  return [new TextEncoder().encode(heartbeat.state), sequence];
}

/** Parses a state heartbeat; a {@link ChpError} for anything else. */
export function parseHeartbeat(frames: readonly Uint8Array[]): PeerHeartbeat | ChpError {
  const [name, sequenceFrame] = frames;
  if (frames.length !== 2 || name === undefined || sequenceFrame === undefined) return new ChpError('ERR_CHP_FRAMES', 'a state heartbeat has 2 frames');
  const state = BINARY_STAR_STATES.find((s) => s.length === name.length && s === String.fromCharCode(...name));
  if (state === undefined) return new ChpError('ERR_CHP_FIELD', 'unknown Binary Star state');
  if (sequenceFrame.length !== SEQUENCE_SIZE) return new ChpError('ERR_CHP_SEQUENCE', 'sequence must be 8 bytes');
  const sequence = getUint64(new DataView(sequenceFrame.buffer, sequenceFrame.byteOffset, SEQUENCE_SIZE), 0);
  if (sequence === undefined) return new ChpError('ERR_CHP_SEQUENCE', 'sequence over 2^53 - 1');
  return { state, sequence };
}

/** One server's side of the pair. */
export class BinaryStar {
  private current: BinaryStarState;
  /** When the peer counts as gone unless heard again (two heartbeats after it was last heard). */
  private peerExpiry: number;

  /**
   * @param role - which server this is
   * @param heartbeat - milliseconds between heartbeats (both servers must use the same)
   * @param nowMs - the time of start: the peer counts as heard now, so a restarted primary waits
   *   two heartbeats before serving (the backup may be active)
   * @throws {@link TypeError}/{@link RangeError} naming a bad argument
   */
  constructor(
    readonly role: BinaryStarRole,
    private readonly heartbeat: number,
    nowMs: number,
  ) {
    if (role !== 'primary' && role !== 'backup') throw new TypeError('"role" expected "primary" or "backup"');
    if (!Number.isFinite(heartbeat) || heartbeat <= 0) throw new RangeError('"heartbeat" expected a positive number of milliseconds');
    if (!Number.isFinite(nowMs)) throw new RangeError('"nowMs" expected a finite number');
    this.current = role;
    this.peerExpiry = nowMs + 2 * heartbeat;
  }

  /** The state now. */
  get state(): BinaryStarState {
    return this.current;
  }

  /** Whether the peer has been silent for two heartbeats at `nowMs`. */
  peerGone(nowMs: number): boolean {
    return nowMs >= this.peerExpiry;
  }

  /**
   * The peer's heartbeat arrived.
   *
   * @param ownSequence - this server's map sequence now
   */
  onPeer(peer: PeerHeartbeat, ownSequence: number, nowMs: number): BinaryStarStep {
    this.peerExpiry = nowMs + 2 * this.heartbeat;
    const from = this.current;
    // Whether this server's map wins against the peer's (the newer map, else the primary).
    const wins = ownSequence > peer.sequence || (ownSequence === peer.sequence && this.role === 'primary');
    let conflict: BinaryStarStep['conflict'];
    if (from === 'active') {
      if (peer.state === 'active') {
        conflict = 'active';
        if (this.role === 'backup') this.current = 'passive';
      }
    } else if (peer.state === 'active') {
      this.current = 'passive';
    } else {
      // Neither serves: the newer map (else the primary) takes over. The peer compares the same
      // two numbers (neither changes while no one is active), so exactly one does. This covers
      // the start, the active peer's restart (it says primary or backup; the passive server
      // holds its map, unless the restarted one journaled more), and two passives.
      if (from === 'passive' && peer.state === 'passive') conflict = 'passive';
      if (wins) this.current = 'active';
    }
    return { from, to: this.current, ...(conflict === undefined ? {} : { conflict }) };
  }

  /**
   * A client asked to be served (a snapshot request: the Guide's "vote"). Returns whether this
   * server serves it; a passive server whose peer is gone takes over first.
   */
  onClientRequest(nowMs: number): { readonly serve: boolean; readonly step: BinaryStarStep } {
    const from = this.current;
    if ((from === 'passive' || from === 'primary') && this.peerGone(nowMs)) this.current = 'active';
    return { serve: this.current === 'active', step: { from, to: this.current } };
  }
}
