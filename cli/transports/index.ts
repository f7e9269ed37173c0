/**
 * Picks the CLI transport for an endpoint. Transports load lazily, so the stream transport works
 * even where the optional `zeromq` addon is missing.
 *
 * @module
 */
import type { CliTransport } from './types';

/** The transport for `endpoint`, or `undefined` when no transport takes it. */
export async function transportFor(endpoint: string): Promise<CliTransport | undefined> {
  if (endpoint === '-' || endpoint.startsWith('tcp+stream://')) {
    return (await import('./stream')).streamTransport;
  }
  if (/^(tcp|ipc|inproc):\/\//.test(endpoint)) {
    return (await import('./zeromq')).zeromqTransport;
  }
  return undefined;
}
