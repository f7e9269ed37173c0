/**
 * The command-line Ironhouse of docs/ironhouse.md: `keygen` files used by `serve --cert
 * --allow-dir` and `connect --cert --server-key`, over the ZeroMQ and stream transports.
 */
import * as path from 'node:path';
import { EXIT } from '../../cli/exit-codes';
import { connectContext, serveContext } from '../../cli/options';
import { transportFor } from '../../cli/transports';
import type { ConnectContext, ServeContext } from '../../cli/transports/types';
import { makeIronhouse, useTempDir } from './helpers';

const dir = useTempDir();
const stops: AbortController[] = [];
const running: Promise<number>[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop.abort();
  for (const code of await Promise.all(running.splice(0))) expect(code).toBe(EXIT.OK);
});

/** Starts `serve` with `args` and resolves with the endpoint its log says it listens on. */
async function serve(args: string[]): Promise<{ endpoint: string }> {
  const stop = new AbortController();
  stops.push(stop);
  let listening!: (endpoint: string) => void;
  const endpoint = new Promise<string>((resolve) => (listening = resolve));
  const onLine = (line: string) => {
    const match = /^listening on (\S+)/.exec(line);
    if (match) listening(match[1]!);
  };
  const context = (await serveContext(args, onLine, stop.signal)) as ServeContext;
  running.push((await transportFor(context.endpoint))!.serve(context));
  return { endpoint: await endpoint };
}

async function connect(args: string[]): Promise<{ code: number; log: string[] }> {
  const log: string[] = [];
  const context = (await connectContext(args, (line) => log.push(line))) as ConnectContext;
  return { code: await (await transportFor(context.endpoint))!.connect(context), log };
}

describe.each([
  ['ZeroMQ', 'tcp://127.0.0.1:*'],
  ['stream', 'tcp+stream://127.0.0.1:0'],
])('curvezmq serve --cert --allow-dir over the %s transport', (_, bind) => {
  it('lets the allowed keygen certificate in and refuses the stranger', async () => {
    const house = await makeIronhouse(dir());
    const keys = path.join(dir(), 'keys');
    const { endpoint } = await serve([bind, '--cert', path.join(keys, 'server'), '--allow-dir', house.allowDir]);
    const serverKey = path.join(keys, 'server');
    const alice = await connect([endpoint, '--cert', path.join(keys, 'alice'), '--server-key', serverKey, '--message', 'hello']);
    expect(alice.code).toBe(EXIT.OK);
    expect(alice.log).toContain('reply: hello');
    const mallory = await connect([endpoint, '--cert', path.join(keys, 'mallory'), '--server-key', serverKey, '--message', 'hello']);
    expect(mallory.code).toBe(EXIT.REFUSED);
  });
});
