/**
 * The benchmark's report, from figures given here (no measuring): the targets table that
 * `docs/performance.md` shows, and the profile summaries behind `bench/profiles/`.
 */
import { summarizeProfile, type CpuProfile } from '../../bench/net/cpu-profile';
import type { NetFigures } from '../../bench/net/runner';
import type { MemoryFigures } from '../../bench/memory';
import type { Results } from '../../bench/run';
import { renderTargets } from '../../bench/table';

function peer(name: string, connectionsPerSecond: number, messages: [number, number, number]): NetFigures {
  return {
    peer: name,
    status: 'ok',
    connectionsPerSecond,
    connectionCpu: null,
    messages: [64, 1024, 65536].map((size, i) => ({ size, messagesPerSecond: messages[i]!, bytesPerSecond: messages[i]! * size, cpu: null })),
  };
}

function backend(name: string, serverHandshakesPerSecond: number, encode16: number, bytes64k: number): MemoryFigures {
  const at = (size: number) => ({
    size,
    encodesPerSecond: encode16,
    decodesPerSecond: 700e3,
    inPlaceDecodesPerSecond: 800e3,
    encodeBytesPerSecond: bytes64k,
    decodeBytesPerSecond: bytes64k,
    inPlaceDecodeBytesPerSecond: bytes64k,
  });
  return { backend: name, handshakesPerSecond: serverHandshakesPerSecond / 2, serverHandshakesPerSecond, messages: [at(16), at(65536)] };
}

function results(): Results {
  return {
    date: '2026-11-26T00:00:00.000Z',
    machine: { cpu: 'test', cores: 2, memoryGiB: 4, os: 'linux', node: 'v20', openssl: '3', loadBefore: [0], loadAfter: [0] },
    settings: { quick: false, rounds: 3 },
    durationSeconds: 1,
    memory: [backend('sodium', 6000, 1.3e6, 1.3e9), backend('tweetnacl', 399.6, 5e5, 99.5e6)],
    heap: { sessions: 10, bytesPerSession: 1200, replayRecordBytesPerSession: 80, stream: { connections: 10, tcpBytesPerConnection: 800, curveStreamBytesPerConnection: 2857 } },
    network: [
      peer('curvezmq-stream', 3000, [300e3, 150e3, 5e3]),
      peer('curvezmq-zeromq', 1000, [200e3, 100e3, 4e3]),
      peer('tls', 900, [1e6, 300e3, 8e3]),
      peer('secret-stream', 1000, [150e3, 100e3, 5e3]),
      peer('zmq-curve', 800, [200e3, 110e3, 6e3]),
    ],
  };
}

function targetLine(table: string, name: string): string {
  const line = table.split('\n').find((l) => l.startsWith(`| ${name} |`));
  if (line === undefined) throw new Error(`no row "${name}"`);
  return line;
}

describe('bench report: targets table', () => {
  const table = renderTargets(results());

  test('the stream connection ratio is taken against the best of TLS, secret-stream and native CURVE', () => {
    // best alternative: secret-stream's 1000/s; 3000 / 1000 = 3.00x against 2.8x
    expect(targetLine(table, 'stream conns/s vs best of TLS, secret-stream, zmq CURVE')).toBe(
      '| stream conns/s vs best of TLS, secret-stream, zmq CURVE | 2.80× | 3.00× | met |',
    );
    expect(targetLine(table, 'ZeroMQ conns/s vs zmq CURVE')).toBe('| ZeroMQ conns/s vs zmq CURVE | 2.20× | 1.25× | missed (56% of target) |');
  });

  test('message ratios: stream against secret-stream, ZeroMQ against native CURVE, at each size', () => {
    expect(targetLine(table, 'stream 64 B messages vs secret-stream')).toContain('| 2.00× | met |');
    expect(targetLine(table, 'stream 1 KiB messages vs secret-stream')).toContain('| 1.50× | met |');
    expect(targetLine(table, 'ZeroMQ 1 KiB messages vs zmq CURVE')).toContain('| 0.91× | missed (90% of target) |');
  });

  test('a miss is rounded away from the goal: never "100% of target" nor "0% over"', () => {
    expect(targetLine(table, 'tweetnacl server handshakes/s')).toBe('| tweetnacl server handshakes/s | 400 | 400 | missed (99% of target) |');
    expect(targetLine(table, 'tweetnacl 64 KiB encode')).toContain('missed (99% of target)');
    // 2857 - 800 = 2057 B beyond a socket: 0.4% over 2 KiB
    expect(targetLine(table, 'server heap per stream-adapter connection, beyond a bare TCP socket')).toContain('| 2057 B | missed (1% over) |');
    expect(targetLine(table, 'server heap per session (mechanism)')).toContain('| 1200 B | met |');
  });

  test('in-memory targets are read from the first (fastest) backend', () => {
    expect(targetLine(table, '16 B encodes/s (sodium)')).toContain('| 1.30 M | missed (92% of target) |');
    expect(targetLine(table, '64 KiB encode (sodium)')).toContain('met');
  });

  test('a figure that is missing reads "pending", not a miss', () => {
    const partial = { ...results(), network: null };
    expect(targetLine(renderTargets(partial), 'ZeroMQ conns/s vs zmq CURVE')).toBe('| ZeroMQ conns/s vs zmq CURVE | 2.20× | pending |  |');
  });
});

describe('bench report: profile summaries', () => {
  // root -> main (JS) -> seal (JS) -> native (no url); idle is a pseudo-frame.
  const frame = (id: number, functionName: string, url: string, children?: number[]) => ({
    id,
    callFrame: { functionName, url, lineNumber: 9 },
    ...(children === undefined ? {} : { children }),
  });
  const profile: CpuProfile = {
    nodes: [
      frame(1, '(root)', '', [2, 5]),
      frame(2, 'main', 'file:///home/user/curvezmq/bench/x.ts', [3]),
      frame(3, 'seal', 'file:///home/user/curvezmq/src/crypto/sodium.ts', [4]),
      frame(4, 'crypto_box_seal_wrong_name', ''),
      frame(5, '(idle)', ''),
    ],
    samples: [4, 4, 4, 4, 5, 5, 5, 3, 2, 4],
  };

  test('self time per function as shares of all samples, idle included, heaviest first', () => {
    const summary = summarizeProfile(profile, 10);
    expect(summary.samples).toBe(10);
    expect(summary.lines).toEqual([
      { name: 'native, called from seal crypto/sodium.ts:10', percent: 50 },
      { name: '(idle)', percent: 30 },
      { name: 'seal crypto/sodium.ts:10', percent: 10 },
      { name: 'main bench/x.ts:10', percent: 10 },
    ]);
  });

  test('only the top functions are listed', () => {
    expect(summarizeProfile(profile, 2).lines.map((l) => l.name)).toEqual(['native, called from seal crypto/sodium.ts:10', '(idle)']);
  });
});
