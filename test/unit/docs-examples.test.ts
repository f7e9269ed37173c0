/**
 * Docs that run: every code block of README.md and docs/*.md in a language we can run (ts, js,
 * sh) is either marked `<!-- example: PATH -->`, and then is the file at PATH byte for byte (a
 * file tsc type-checks and a test runs), or marked `<!-- not run: why -->`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driveByHand, nullHandshake } from '../../examples/drive-by-hand';
import { main as quickStartStream } from '../../examples/quick-start-stream';
import { main as quickStartZeroMq } from '../../examples/quick-start-zeromq';

const root = path.join(__dirname, '..', '..');
const MARKED = /<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)```/g;
const RUNNABLE = /^```(ts|typescript|js|javascript|sh|bash|shell)\s*$/;
const MARK = /^<!-- (example: \S+|not run: .+) -->$/;

/**
 * Docs another engineer is rewriting now, whose blocks are not all marked yet. The lead empties
 * this list once they are; a file with no unmarked block left must leave it (tested below).
 */
const PENDING: readonly string[] = [];

const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const text = (doc: string) => fs.readFileSync(path.join(root, doc), 'utf8');
const blocks = docs.flatMap((doc) => [...text(doc).matchAll(MARKED)].map((m) => ({ doc, file: m[1]!, code: m[2]! })));

/** The runnable-language fences of a doc not preceded by a mark, as "doc:line". */
function unmarked(doc: string): string[] {
  const lines = text(doc).split('\n');
  const found: string[] = [];
  let inFence = false;
  lines.forEach((line, i) => {
    if (!line.startsWith('```')) return;
    if (!inFence && RUNNABLE.test(line) && !MARK.test(lines[i - 1] ?? '')) found.push(`${doc}:${i + 1}`);
    inFence = !inFence;
  });
  return found;
}

/** Every test file's text, to find the test that runs each example. */
function testSources(dir = path.join(root, 'test')): string {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? testSources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? fs.readFileSync(path.join(dir, e.name), 'utf8') : ''))
    .join('\n');
}

describe('documentation examples', () => {
  // The count of run snippets is in the title, so every `npm test` prints it.
  test(`every ts, js and sh block is an example file (${blocks.length} run by tests) or says why it is not run`, () => {
    expect(docs.filter((doc) => !PENDING.includes(doc)).flatMap(unmarked)).toEqual([]);
  });

  for (const doc of PENDING) {
    test(`PENDING: ${doc} still has unmarked blocks (else take it off the list)`, () => {
      expect(unmarked(doc).length).toBeGreaterThan(0);
    });
  }

  test.each(blocks.map((b) => [b.doc, b.file, b.code] as const))('%s shows %s verbatim', (_doc, file, code) => {
    expect(code).toBe(fs.readFileSync(path.join(root, file), 'utf8'));
  });

  test('every example file shown is run by a test', () => {
    const tests = testSources();
    const shown = [...new Set(blocks.map((b) => b.file))];
    expect(shown.filter((file) => !tests.includes(path.basename(file, path.extname(file))))).toEqual([]);
  });

  test("docs/mechanism.md's Step excerpt has the fields of src/mechanism.ts", () => {
    const fields = (source: string) => [...source.matchAll(/^\s*(?:readonly )?(\w+\??):/gm)].map((m) => m[1]);
    const excerpt = /```ts\n(interface Step \{[\s\S]*?\n\})/.exec(text('docs/mechanism.md'))![1]!;
    const actual = /export (interface Step \{[\s\S]*?\n\})/.exec(fs.readFileSync(path.join(root, 'src/mechanism.ts'), 'utf8'))![1]!;
    expect(fields(excerpt)).toEqual(fields(actual));
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
