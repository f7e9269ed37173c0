/**
 * An in-memory socket pair for the tests. Unlike `stream.duplexPair()`, it behaves like the two
 * ends of a TCP connection when one end goes away: destroying or ending one side ends the other
 * side's readable (FIN), and bytes written towards a destroyed side are dropped instead of
 * waiting forever for a reader that will never come.
 */
import { Duplex } from 'node:stream';

class MemorySide extends Duplex {
  peer!: MemorySide;
  /** The callback of our write that waits for the peer to read. */
  private waitingWrite: (() => void) | undefined;
  private eofSent = false;

  constructor() {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    this.peer.releaseWrite();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.peer.destroyed || this.eofSent) {
      callback();
      return;
    }
    if (this.peer.push(chunk)) callback();
    else this.waitingWrite = callback;
  }

  override _final(callback: () => void): void {
    this.sendEof();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.sendEof();
    this.releaseWrite();
    this.peer.releaseWrite();
    callback(error);
  }

  private releaseWrite(): void {
    const callback = this.waitingWrite;
    this.waitingWrite = undefined;
    callback?.();
  }

  private sendEof(): void {
    if (this.eofSent) return;
    this.eofSent = true;
    if (!this.peer.destroyed) this.peer.push(null);
  }
}

/** Two connected in-memory byte streams. */
export function memoryPair(): [Duplex, Duplex] {
  const a = new MemorySide();
  const b = new MemorySide();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
