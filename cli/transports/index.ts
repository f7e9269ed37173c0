/**
 * Picks the CLI transport for an endpoint. Transports load lazily, so the stream and ZMTP
 * transports work even where the optional `zeromq` addon is missing; only `--envelope` needs it.
 *
 * @module
 */
import { UsageError } from '../usage';
import type { CliTransport } from './types';

/**
 * The transport for `endpoint`: `-` and `tcp+stream://` the stream adapter; `tcp://` and
 * `ipc://` ZMTP as libzmq speaks it, or with `envelope` this package's own envelope over
 * ZeroMQ NULL sockets (the ZeroMQ adapter, which also takes `inproc://`).
 *
 * @throws {@link UsageError} for an endpoint no transport takes, or `envelope` where it does not apply
 */
export async function transportFor(endpoint: string, envelope = false): Promise<CliTransport> {
  if (endpoint === '-' || endpoint.startsWith('tcp+stream://')) {
    if (envelope) throw new UsageError('--envelope applies to tcp://, ipc:// and inproc:// endpoints, not to the stream transport');
    return (await import('./stream')).streamTransport;
  }
  if (envelope && /^(tcp|ipc|inproc):\/\//.test(endpoint)) {
    return (await import('./zeromq')).zeromqTransport;
  }
  if (/^(tcp|ipc):\/\//.test(endpoint)) return (await import('./zmtp')).zmtpTransport;
  if (endpoint.startsWith('inproc://')) {
    throw new UsageError('inproc:// reaches only sockets of the same process: it needs --envelope (the ZeroMQ adapter in this process)');
  }
  throw new UsageError(`no transport for endpoint ${endpoint}: expected tcp://, ipc://, tcp+stream:// or -`);
}
