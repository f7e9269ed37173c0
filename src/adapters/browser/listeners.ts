/**
 * The events of a browser channel (`SecureWebSocket`, `ZwsSocket`) and their listeners: the
 * browser has no `node:events`, and both channels report the same three events.
 *
 * @module
 */

/** A listener of one event. */
export type Listener<A extends unknown[]> = (...args: A) => void;

/** What a browser channel emits. */
export interface ChannelEvents {
  /** The parts of one message. */
  message: [parts: Uint8Array[]];
  /** The coded error that ended the channel. */
  error: [error: Error];
  close: [];
}

/** Listeners per event, called in the order added; a listener removed while emitting still runs once. */
export class ChannelListeners {
  private readonly lists: { [K in keyof ChannelEvents]: Listener<ChannelEvents[K]>[] } = { message: [], error: [], close: [] };

  add<K extends keyof ChannelEvents>(event: K, listener: Listener<ChannelEvents[K]>): void {
    this.lists[event].push(listener);
  }

  remove<K extends keyof ChannelEvents>(event: K, listener: Listener<ChannelEvents[K]>): void {
    const list = this.lists[event] as Listener<ChannelEvents[K]>[];
    const at = list.indexOf(listener);
    if (at >= 0) list.splice(at, 1);
  }

  /** How many listeners `event` has. */
  count(event: keyof ChannelEvents): number {
    return this.lists[event].length;
  }

  emit<K extends keyof ChannelEvents>(event: K, ...args: ChannelEvents[K]): void {
    for (const listener of [...this.lists[event]] as Listener<ChannelEvents[K]>[]) listener(...args);
  }
}
