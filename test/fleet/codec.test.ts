import fc from 'fast-check';
import { encodeChp, parseChp, type ChpCommand, type ChpInbound } from '../../src/fleet/codec';
import { ChpError } from '../../src/fleet/errors';
import { encodeProperties, parseProperties } from '../../src/fleet/properties';
import { mutatedBlob } from '../helpers/mutate';

const text = (s: string) => new TextEncoder().encode(s);
const seq = (n: number) => Buffer.from(n.toString(16).padStart(16, '0'), 'hex');
const CODES = new Set(['ERR_CHP_FRAMES', 'ERR_CHP_KEY', 'ERR_CHP_SEQUENCE', 'ERR_CHP_UUID', 'ERR_CHP_PROPERTIES', 'ERR_CHP_SIZE', 'ERR_CHP_FIELD']);

const key = fc.stringMatching(/^\/[\x21-\x7e]{1,40}$/);
const subtree = fc.oneof(fc.constant(''), fc.stringMatching(/^\/[\x21-\x7e]{0,20}$/));
const sequence = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const uuid = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 16, maxLength: 16 }));
const properties = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/), fc.stringMatching(/^[ -~]{0,20}$/), { maxKeys: 5 });
const value = fc.uint8Array({ maxLength: 200 });

const command: fc.Arbitrary<[ChpCommand, ChpInbound]> = fc.oneof(
  subtree.map((s): [ChpCommand, ChpInbound] => [{ command: 'ICANHAZ', subtree: s }, 'snapshot-request']),
  fc.tuple(key, sequence, properties, value).map(([k, s, p, v]): [ChpCommand, ChpInbound] => [{ command: 'KVSYNC', key: k, sequence: s, properties: p, value: v }, 'snapshot']),
  fc.tuple(sequence, subtree).map(([s, t]): [ChpCommand, ChpInbound] => [{ command: 'KTHXBAI', sequence: s, subtree: t }, 'snapshot']),
  fc.tuple(key, sequence, uuid, properties, value).map(([k, s, u, p, v]): [ChpCommand, ChpInbound] => [{ command: 'KVPUB', key: k, sequence: s, uuid: u, properties: p, value: v }, 'publish']),
  fc.tuple(key, sequence, uuid, properties, value).map(([k, s, u, p, v]): [ChpCommand, ChpInbound] => [{ command: 'KVSET', key: k, sequence: s, uuid: u, properties: p, value: v }, 'collect']),
  fc.constant<[ChpCommand, ChpInbound]>([{ command: 'HUGZ' }, 'publish']),
);

function plain(c: ChpCommand | ChpError): unknown {
  return JSON.parse(JSON.stringify(c, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
}

describe('CHP codec (RFC 12)', () => {
  it('writes the frames RFC 12 gives, byte for byte', () => {
    expect(encodeChp({ command: 'ICANHAZ', subtree: '/keys/' })).toEqual([text('ICANHAZ?'), text('/keys/')]);
    expect(encodeChp({ command: 'HUGZ' })).toEqual([text('HUGZ'), new Uint8Array(8), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]);
    expect(encodeChp({ command: 'KTHXBAI', sequence: 258, subtree: '' })).toEqual([text('KTHXBAI'), new Uint8Array(seq(258)), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]);
    const u = new Uint8Array(16).fill(7);
    expect(encodeChp({ command: 'KVPUB', key: '/a', sequence: 2 ** 40 + 1, uuid: u, properties: { ttl: '30', x: 'y' }, value: text('v') }))
      .toEqual([text('/a'), new Uint8Array(seq(2 ** 40 + 1)), u, text('ttl=30\nx=y\n'), text('v')]);
  });

  it('parses what it writes, for every command', () => {
    fc.assert(fc.property(command, ([c, inbound]) => {
      expect(plain(parseChp(encodeChp(c), inbound))).toEqual(plain(c));
    }), { numRuns: 500 });
  });

  it('never throws on random frames, and every failure has a stable code', () => {
    const inbound = fc.constantFrom<ChpInbound>('snapshot-request', 'snapshot', 'publish', 'collect');
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 7 }), inbound, (frames, where) => {
      const result = parseChp(frames, where);
      if (result instanceof ChpError) expect(CODES.has(result.code)).toBe(true);
    }), { numRuns: 2000 });
  });

  it('rejects or re-encodes exactly every mutation of a valid command', () => {
    const mutated = command.chain(([c, inbound]) => {
      const frames = encodeChp(c);
      return fc.tuple(fc.nat(frames.length - 1), fc.constant(frames), fc.constant(inbound))
        .chain(([i, fs, where]) => mutatedBlob(fs[i]!).map((m) => [fs.map((f, j) => (j === i ? m : f)), where] as const));
    });
    fc.assert(fc.property(mutated, ([frames, where]) => {
      const result = parseChp(frames, where);
      if (result instanceof ChpError) expect(CODES.has(result.code)).toBe(true);
      else expect(encodeChp(result).map((f) => Buffer.from(f).toString('hex'))).toEqual(
        (result.command === 'KVSYNC' ? frames.map((f, j) => (j === 2 ? new Uint8Array(0) : f)) : frames)
          .map((f) => Buffer.from(f).toString('hex')).map((h, j) => (j === 3 && result.command !== 'ICANHAZ' && result.command !== 'HUGZ' && result.command !== 'KTHXBAI' ? Buffer.from(encodeProperties(result.properties)).toString('hex') : h)),
      );
    }), { numRuns: 2000 });
  });

  it('names each fault with its own code', () => {
    const ok = encodeChp({ command: 'KVSET', key: '/k', sequence: 1, uuid: new Uint8Array(0), properties: {}, value: text('v') });
    const at = (i: number, f: Uint8Array) => ok.map((x, j) => (j === i ? f : x));
    const code = (frames: Uint8Array[], where: ChpInbound = 'collect') => (parseChp(frames, where) as ChpError).code;
    expect(code(ok.slice(0, 4))).toBe('ERR_CHP_FRAMES');
    expect(code([text('ICANHAZ?')], 'snapshot-request')).toBe('ERR_CHP_FRAMES');
    expect(code(at(0, text('has space')))).toBe('ERR_CHP_KEY');
    expect(code(at(0, text('HUGZ')))).toBe('ERR_CHP_KEY');
    expect(code(at(0, new Uint8Array(256).fill(0x41)))).toBe('ERR_CHP_KEY');
    expect(code(at(1, new Uint8Array(7)))).toBe('ERR_CHP_SEQUENCE');
    expect(code(at(1, new Uint8Array(8).fill(0xff)))).toBe('ERR_CHP_SEQUENCE');
    expect(code(at(2, new Uint8Array(5)))).toBe('ERR_CHP_UUID');
    expect(code(at(3, text('a=1\na=2\n')))).toBe('ERR_CHP_PROPERTIES');
    expect(code(at(3, text('no equals\n')))).toBe('ERR_CHP_PROPERTIES');
    expect(code(at(3, new Uint8Array([0xff, 0x3d])))).toBe('ERR_CHP_PROPERTIES');
    expect(code(at(3, new Uint8Array(5000).fill(0x61)))).toBe('ERR_CHP_SIZE');
    expect(code(at(4, new Uint8Array(64 * 1024 + 1)))).toBe('ERR_CHP_SIZE');
    expect(code([text('HUGZ'), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)], 'publish')).toBe('ERR_CHP_FIELD');
    expect(code([text('ICANHAZ?'), text('keys/')], 'snapshot-request')).toBe('ERR_CHP_KEY');
  });

  it('properties: name=value lines, a missing last newline accepted, caller misuse a RangeError', () => {
    expect(parseProperties(text('ttl=5\nname=a b'))).toEqual({ ttl: '5', name: 'a b' });
    expect(() => encodeProperties({ 'a=b': 'c' })).toThrow(RangeError);
    expect(() => encodeProperties({ a: 'line\nbreak' })).toThrow(/"properties.a"/);
    expect(() => encodeChp({ command: 'KVPUB', key: 'KTHXBAI', sequence: 1, uuid: new Uint8Array(0), properties: {}, value: new Uint8Array(0) })).toThrow(/"command.key"/);
    expect(() => encodeChp({ command: 'KTHXBAI', sequence: -1, subtree: '' })).toThrow(/"command.sequence"/);
  });
});
