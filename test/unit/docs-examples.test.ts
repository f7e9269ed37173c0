/**
 * Every code block in README.md and docs/ marked `<!-- example: PATH -->` is the file at PATH,
 * byte for byte, and the example files run and produce what the docs say.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driveByHand, nullHandshake } from '../../examples/drive-by-hand';
import { main as quickStartStream } from '../../examples/quick-start-stream';
import { main as quickStartZeroMq } from '../../examples/quick-start-zeromq';

const root = path.join(__dirname, '..', '..');
const MARKED = /<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)```/g;

describe('documentation examples', () => {
  const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const blocks = docs.flatMap((doc) =>
    [...fs.readFileSync(path.join(root, doc), 'utf8').matchAll(MARKED)].map((m) => ({ doc, file: m[1]!, code: m[2]! })),
  );

  test('there are marked examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  test.each(blocks.map((b) => [b.doc, b.file, b.code] as const))('%s shows %s verbatim', (_doc, file, code) => {
    expect(code).toBe(fs.readFileSync(path.join(root, file), 'utf8'));
  });

  test("the README's quick starts are shown", () => {
    const shown = blocks.filter((b) => b.doc === 'README.md').map((b) => b.file);
    expect(shown).toEqual(expect.arrayContaining(['examples/quick-start-zeromq.ts', 'examples/quick-start-stream.ts']));
  });

  test('the ZeroMQ quick start prints its exchange and ends', async () => {
    await expect(quickStartZeroMq()).resolves.toBe('Hello -> World (both keys verified: true)');
  });

  test('the stream quick start prints its echo and ends', async () => {
    await expect(quickStartStream()).resolves.toBe('hello (server key verified: true)');
  });

  test('the by-hand PLAIN handshake completes and carries a message', () => {
    expect(driveByHand()).toBe('ready/ready admin: Hello');
    expect(nullHandshake()).toBe('ready/ready');
  });
});
