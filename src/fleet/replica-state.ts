/**
 * What a CHP client does with each command, without sockets (RFC 12 and the Guide's Clone
 * model): collect a snapshot (KVSYNC... KTHXBAI), then apply published updates strictly newer
 * than what it has, treating HUGZ as a sign of life. The adapter feeds it frames and acts on
 * the verdicts; a malformed or out-of-place command is dropped, never applied.
 *
 * @module
 */
import type { ChpCommand, Kvpub, Kvsync } from './codec';
import { ChpError } from './errors';
import { KeyMap, type KeyMapOptions } from './key-map';

/** The verdict on one snapshot command. */
export type SnapshotVerdict = 'more' | 'done' | ChpError;
/** The verdict on one published command. */
export type PublishVerdict = 'applied' | 'stale' | 'alive' | ChpError;

/** A replica's state: the map it follows and the snapshot under way. */
export class ReplicaState {
  /** The followed map (read it; only this object writes it). */
  readonly map: KeyMap;
  private pending: Kvsync[] = [];
  private readonly maxEntries: number;

  constructor(
    /** The subtree followed ('' = everything). */
    readonly subtree: string,
    options: KeyMapOptions = {},
  ) {
    this.map = new KeyMap(options);
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Starts collecting a new snapshot (any partial one is dropped). */
  beginSnapshot(): void {
    this.pending = [];
  }

  /** One command from the SNAPSHOT socket. On `'done'` the map holds the snapshot. */
  onSnapshot(command: ChpCommand | ChpError, nowMs: number): SnapshotVerdict {
    if (command instanceof ChpError) return command;
    if (command.command === 'KVSYNC') {
      if (!command.key.startsWith(this.subtree)) return new ChpError('ERR_CHP_KEY', 'KVSYNC outside the subtree asked for');
      // A server sending more than we hold is either hostile or misconfigured: bound memory.
      if (this.pending.length >= this.maxEntries) return new ChpError('ERR_CHP_SIZE', `snapshot over ${this.maxEntries} entries`);
      this.pending.push(command);
      return 'more';
    }
    if (command.command === 'KTHXBAI') {
      if (command.subtree !== this.subtree) return new ChpError('ERR_CHP_KEY', 'KTHXBAI for another subtree');
      this.map.load(this.pending, command.sequence, nowMs);
      this.pending = [];
      return 'done';
    }
    return new ChpError('ERR_CHP_FRAMES', `${command.command} on the snapshot socket`);
  }

  /** One command from the PUBLISHER socket, once the snapshot is done. */
  onPublish(command: ChpCommand | ChpError, nowMs: number): PublishVerdict {
    if (command instanceof ChpError) return command;
    if (command.command === 'HUGZ') return 'alive';
    if (command.command !== 'KVPUB') return new ChpError('ERR_CHP_FRAMES', `${command.command} on the publisher socket`);
    if (!command.key.startsWith(this.subtree)) return new ChpError('ERR_CHP_KEY', 'KVPUB outside the subtree followed');
    return this.map.apply(command as Kvpub, nowMs) ? 'applied' : 'stale';
  }
}
