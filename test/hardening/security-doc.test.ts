/**
 * Keeps docs/security.md honest: all 54 checklist rows are in its table, each with a status, and
 * every test it cites (`file` › name) names a test that exists in that file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
const rows = doc.split('\n').filter((line) => /^\| \d+ \|/.test(line));

/** A test's source, with escaped quotes undone so that names read as they print. */
function source(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8').replace(/\\(['"`])/g, '$1');
}

describe('docs/security.md', () => {
  test('lists every checklist row, 1 to 54, once, with a status', () => {
    expect(rows.map((line) => Number(line.split('|')[1]))).toEqual(Array.from({ length: 54 }, (_, i) => i + 1));
    for (const line of rows) expect(['pass', 'partial', 'n/a']).toContain(line.split('|')[4]!.trim());
  });

  test('every cited test exists in the file it names', () => {
    const missing: string[] = [];
    let cited = 0;
    for (const line of rows) {
      for (const [, file, name] of line.matchAll(/`((?:test|load)\/[^`]+)` › ([^;|]+)/g)) {
        cited++;
        const path = file!;
        if (!existsSync(join(ROOT, path))) missing.push(`${path} (no such file)`);
        else if (path.startsWith('test/') && !source(path).includes(name!.trim())) missing.push(`${path} › ${name!.trim()}`);
      }
    }
    expect(missing).toEqual([]);
    expect(cited).toBeGreaterThan(54);
  });
});
