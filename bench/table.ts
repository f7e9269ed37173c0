/**
 * The printed report: each peer's figure beside ours, with our ratio to it, and the issue's
 * targets with where we stand. The same function renders `docs/performance.md`'s table.
 */
import type { Results } from './run';
import { formatMBps, formatRate } from './stats';
import type { NetFigures } from './net/runner';

const KIB = 1024;

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |\n`;
}

function ratio(ours: number | null | undefined, theirs: number | null | undefined): string {
  if (ours == null) return 'pending';
  if (theirs == null || theirs === 0) return 'n/a';
  return `${(ours / theirs).toFixed(2)}×`;
}

function sizeName(size: number): string {
  return size >= KIB * KIB ? `${size / KIB / KIB} MiB` : size >= KIB ? `${size / KIB} KiB` : `${size} B`;
}

function cell(peer: NetFigures | undefined, pick: (p: NetFigures) => number | null, format: (v: number) => string): string {
  if (peer === undefined) return 'n/a';
  const value = pick(peer);
  if (value !== null) return format(value);
  return peer.status.startsWith('pending') ? 'pending' : 'failed';
}

function cpuCell(cpu: { client: number; server: number } | null | undefined, digits: number): string {
  return cpu == null ? 'n/a' : `${cpu.client.toFixed(digits)} / ${cpu.server.toFixed(digits)}`;
}

/** Renders every table of a run as Markdown. */
export function renderTables(results: Results): string {
  let out = `\n### Run of ${results.date} (${results.machine.cores} cores, ${results.machine.cpu}, Node ${results.machine.node}, load ${results.machine.loadBefore.map((l) => l.toFixed(1)).join('/')} before, ${results.machine.loadAfter.map((l) => l.toFixed(1)).join('/')} after${results.settings.quick ? ', QUICK' : ''})\n\n`;

  if (results.network != null) {
    const by = (name: string) => results.network!.find((p) => p.peer === name);
    const [ourStream, ourZmq, tls, ss, zcurve, znull, tcp] = ['curvezmq-stream', 'curvezmq-zeromq', 'tls', 'secret-stream', 'zmq-curve', 'zmq-null', 'tcp'].map(by);
    const bestConn = Math.max(...[tls, ss, zcurve].map((p) => p?.connectionsPerSecond ?? 0));
    out += '#### Network (2 processes, loopback; medians)\n\n';
    out += row(['figure', 'curvezmq stream', 'curvezmq ZeroMQ', 'TLS 1.3', 'secret-stream', 'zmq CURVE', 'zmq NULL', 'TCP', 'stream ratio', 'ZeroMQ ratio']);
    out += row(Array(10).fill('---'));
    const conn = (p: NetFigures) => p.connectionsPerSecond;
    out += row([
      'conns/s (8 at a time)',
      ...[ourStream, ourZmq, tls, ss, zcurve, znull, tcp].map((p) => cell(p, conn, (v) => v.toFixed(0))),
      `${ratio(ourStream?.connectionsPerSecond, bestConn)} best alt.`,
      `${ratio(ourZmq?.connectionsPerSecond, zcurve?.connectionsPerSecond)} zmq CURVE`,
    ]);
    results.network[0]!.messages.forEach((m, i) => {
      const rate = (p: NetFigures) => p.messages[i]!.messagesPerSecond;
      const bytes = (p: NetFigures) => p.messages[i]!.bytesPerSecond;
      out += row([
        `${sizeName(m.size)} messages/s`,
        ...[ourStream, ourZmq, tls, ss, zcurve, znull, tcp].map((p) => cell(p, rate, formatRate)),
        `${ratio(ourStream?.messages[i]?.messagesPerSecond, ss?.messages[i]?.messagesPerSecond)} secret-stream`,
        `${ratio(ourZmq?.messages[i]?.messagesPerSecond, zcurve?.messages[i]?.messagesPerSecond)} zmq CURVE`,
      ]);
      out += row([`${sizeName(m.size)} MB/s`, ...[ourStream, ourZmq, tls, ss, zcurve, znull, tcp].map((p) => cell(p, bytes, formatMBps)), '', '']);
    });
    const peers = [ourStream, ourZmq, tls, ss, zcurve, znull, tcp];
    out += row(['CPU µs per connection, client / server', ...peers.map((p) => cpuCell(p?.connectionCpu, 0)), '', '']);
    results.network[0]!.messages.forEach((m, i) => {
      out += row([`CPU µs per ${sizeName(m.size)} message, sender / sink`, ...peers.map((p) => cpuCell(p?.messages[i]?.cpu, 2)), '', '']);
    });
    const notes = results.network.filter((p) => p.status !== 'ok');
    if (notes.length > 0) out += `\n${notes.map((p) => `- ${p.peer}: ${p.status}`).join('\n')}\n`;
    out += '\nTLS and TCP are byte streams: their "messages" are writes, which Node may coalesce.\n\n';
  }

  if (results.memory != null) {
    out += '#### In memory, one core (CURVE handshake and MESSAGE codec; medians)\n\n';
    out += row(['backend', 'handshakes/s (both sides)', 'server handshakes/s', ...results.memory[0]!.messages.map((m) => `${sizeName(m.size)} encode / decode / in place`)]);
    out += row(Array(3 + results.memory[0]!.messages.length).fill('---'));
    for (const b of results.memory) {
      out += row([
        b.backend,
        b.handshakesPerSecond.toFixed(0),
        b.serverHandshakesPerSecond.toFixed(0),
        ...b.messages.map((m) =>
          m.size >= 64 * KIB
            ? [m.encodeBytesPerSecond, m.decodeBytesPerSecond, m.inPlaceDecodeBytesPerSecond].map(formatMBps).join(' / ')
            : [m.encodesPerSecond, m.decodesPerSecond, m.inPlaceDecodesPerSecond].map(formatRate).join(' / '),
        ),
      ]);
    }
    out += '\n"decode" copies the part out, leaving the blob untouched; "in place" decrypts into the received blob (`DecodeOptions.inPlace`), as both adapters do.\n\n';
  }

  if (results.heap != null) {
    out += `#### Server heap per established session\n\n${results.heap.bytesPerSession.toFixed(0)} bytes per session with ${results.heap.sessions} in-memory CURVE server sessions (mechanism state), of which about ${results.heap.replayRecordBytesPerSession.toFixed(0)} bytes are the endpoint's replay-record entry\n\n`;
    const stream = results.heap.stream;
    if (stream != null) {
      out += `Over the stream adapter, with ${stream.connections} connections held open: ${stream.curveStreamBytesPerConnection.toFixed(0)} bytes of server heap per CURVE connection, of which a bare Node TCP socket takes ${stream.tcpBytesPerConnection.toFixed(0)} (native memory of sockets not counted)\n\n`;
    }
  }
  out += renderTargets(results);
  return out;
}

function targetRow(name: string, value: number | null | undefined, goal: number, format: (v: number) => string, lowerIsBetter = false): string {
  if (value == null) return row([name, format(goal), 'pending', '']);
  const met = lowerIsBetter ? value <= goal : value >= goal;
  // Rounded away from the goal, so a miss never reads "100% of target" or "0% over".
  const miss = lowerIsBetter ? `missed (${Math.ceil((value / goal - 1) * 100)}% over)` : `missed (${Math.floor((value / goal) * 100)}% of target)`;
  return row([name, format(goal), format(value), met ? 'met' : miss]);
}

/** The issue's targets against this run. */
export function renderTargets(results: Results): string {
  let out = '#### Targets\n\n' + row(['target', 'goal', 'measured', 'status']) + row(['---', '---', '---', '---']);
  const net = results.network;
  const by = (name: string) => net?.find((p) => p.peer === name);
  const alternatives = ['tls', 'secret-stream', 'zmq-curve'].map(by);
  const bestConn = Math.max(...alternatives.map((p) => p?.connectionsPerSecond ?? 0));
  const x = (v: number) => `${v.toFixed(2)}×`;
  const streamConn = by('curvezmq-stream')?.connectionsPerSecond;
  const zmqConn = by('curvezmq-zeromq')?.connectionsPerSecond;
  const zcurveConn = by('zmq-curve')?.connectionsPerSecond;
  out += targetRow('stream conns/s vs best of TLS, secret-stream, zmq CURVE', streamConn != null && bestConn > 0 ? streamConn / bestConn : null, 2.8, x);
  out += targetRow('ZeroMQ conns/s vs zmq CURVE', zmqConn != null && zcurveConn ? zmqConn / zcurveConn : null, 2.2, x);
  for (const [i, size] of [64, 1024, 65536].entries()) {
    const ours = by('curvezmq-stream')?.messages[i]?.messagesPerSecond;
    const ss = by('secret-stream')?.messages[i]?.messagesPerSecond;
    out += targetRow(`stream ${sizeName(size)} messages vs secret-stream`, ours != null && ss ? ours / ss : null, 1.5, x);
  }
  for (const [i, size] of [64, 1024, 65536].entries()) {
    const ours = by('curvezmq-zeromq')?.messages[i]?.messagesPerSecond;
    const zc = by('zmq-curve')?.messages[i]?.messagesPerSecond;
    out += targetRow(`ZeroMQ ${sizeName(size)} messages vs zmq CURVE`, ours != null && zc ? ours / zc : null, 1, x);
  }
  const fastest = results.memory?.[0];
  const tweetnacl = results.memory?.find((b) => b.backend === 'tweetnacl');
  const at = (b: typeof fastest, size: number) => b?.messages.find((m) => m.size === size);
  out += targetRow(`16 B encodes/s (${fastest?.backend ?? 'fastest'})`, at(fastest, 16)?.encodesPerSecond, 1.4e6, formatRate);
  out += targetRow(`16 B decodes/s in place (${fastest?.backend ?? 'fastest'})`, at(fastest, 16)?.inPlaceDecodesPerSecond, 750e3, formatRate);
  out += targetRow(`16 B decodes/s copying out (${fastest?.backend ?? 'fastest'})`, at(fastest, 16)?.decodesPerSecond, 750e3, formatRate);
  out += targetRow(`64 KiB encode (${fastest?.backend ?? 'fastest'})`, at(fastest, 65536)?.encodeBytesPerSecond, 1.2e9, formatMBps);
  out += targetRow(`64 KiB decode in place (${fastest?.backend ?? 'fastest'})`, at(fastest, 65536)?.inPlaceDecodeBytesPerSecond, 1.2e9, formatMBps);
  out += targetRow(`64 KiB decode copying out (${fastest?.backend ?? 'fastest'})`, at(fastest, 65536)?.decodeBytesPerSecond, 1.2e9, formatMBps);
  out += targetRow('tweetnacl server handshakes/s', tweetnacl?.serverHandshakesPerSecond, 400, (v) => v.toFixed(0));
  out += targetRow('tweetnacl 64 KiB encode', at(tweetnacl, 65536)?.encodeBytesPerSecond, 100e6, formatMBps);
  out += targetRow('tweetnacl 64 KiB decode in place', at(tweetnacl, 65536)?.inPlaceDecodeBytesPerSecond, 100e6, formatMBps);
  out += targetRow('tweetnacl 64 KiB decode copying out', at(tweetnacl, 65536)?.decodeBytesPerSecond, 100e6, formatMBps);
  out += targetRow('server heap per session (mechanism)', results.heap?.bytesPerSession, 2048, (v) => `${v.toFixed(0)} B`, true);
  const stream = results.heap?.stream;
  out += targetRow(
    'server heap per stream-adapter connection, beyond a bare TCP socket',
    stream == null ? null : stream.curveStreamBytesPerConnection - stream.tcpBytesPerConnection,
    2048,
    (v) => `${v.toFixed(0)} B`,
    true,
  );
  return `${out}\n`;
}
