/**
 * Every code block in docs/ marked `<!-- example: PATH -->` is the file at PATH, byte for byte,
 * and the example files run and produce what the docs say.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driveByHand, nullHandshake } from '../../examples/drive-by-hand';

const root = path.join(__dirname, '..', '..');
const MARKED = /<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)```/g;

describe('documentation examples', () => {
  const docs = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'));
  const blocks = docs.flatMap((doc) =>
    [...fs.readFileSync(path.join(root, 'docs', doc), 'utf8').matchAll(MARKED)].map((m) => ({ doc, file: m[1]!, code: m[2]! })),
  );

  test('there are marked examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  test.each(blocks.map((b) => [b.doc, b.file, b.code] as const))('%s shows %s verbatim', (_doc, file, code) => {
    expect(code).toBe(fs.readFileSync(path.join(root, file), 'utf8'));
  });

  test('the by-hand PLAIN handshake completes and carries a message', () => {
    expect(driveByHand()).toBe('ready/ready admin: Hello');
    expect(nullHandshake()).toBe('ready/ready');
  });
});
