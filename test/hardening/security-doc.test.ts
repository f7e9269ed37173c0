/**
 * Keeps docs/security.md honest: all 54 checklist rows are in its table, each with a status, and
 * every test it cites (`` `file` › `title` ``) is, whole, the title of a test or a describe block in that
 * file, as parsed from its syntax tree (a substring of the source once let a 10-character
 * citation match three tests, and text in a comment match none).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
const rows = doc.split('\n').filter((line) => /^\| \d+ \|/.test(line));
/** Rows of the security review's table (`| F6 | ...`, `| T1 | ...`): tests in the fourth column. */
const reviewRows = doc.split('\n').filter((line) => /^\| [FT]\d+ \|/.test(line));

/**
 * The titles of every test and describe block in a test file: the first argument of a call made
 * as a statement with a string title and a function body (`test`, `it`, `describe`, their
 * `.each(...)`, `.skip` and `.only` forms, and local aliases such as `onLinux`). A `test.each`
 * title keeps its `%s` placeholders and a template title its `${...}`, as they are cited.
 */
function testTitles(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const titles = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression)) {
      const [title, body] = node.expression.arguments;
      const isTitle = title !== undefined && (ts.isStringLiteral(title) || ts.isNoSubstitutionTemplateLiteral(title));
      const isBody = body !== undefined && (ts.isArrowFunction(body) || ts.isFunctionExpression(body));
      if (isTitle && isBody) titles.add(title.text);
      // A template title is cited as written, `${...}` included.
      if (title !== undefined && ts.isTemplateExpression(title) && isBody) titles.add(title.getText().slice(1, -1));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return titles;
}

/**
 * Every citation in the tests columns of both tables: [row, file, title], written
 * `` `file` › `title` ``. A file named there without a title is reported with title undefined.
 */
function citations(): Array<[string, string, string | undefined]> {
  const found: Array<[string, string, string | undefined]> = [];
  const collect = (lines: string[], column: number): void => {
    for (const line of lines) {
      const cells = line.split(' | ');
      const row = cells[0]!.slice(2);
      for (const [, file, title] of cells[column]!.matchAll(/`([\w.-]+\/[^`]*)`(?: › `([^`]+)`)?/g)) found.push([row, file!, title]);
    }
  };
  collect(rows, 2);
  collect(reviewRows, 3);
  return found;
}

describe('docs/security.md', () => {
  test('lists every checklist row, 1 to 54, once, with a status', () => {
    expect(rows.map((line) => Number(line.split('|')[1]))).toEqual(Array.from({ length: 54 }, (_, i) => i + 1));
    for (const line of rows) expect(['pass', 'partial', 'n/a']).toContain(line.split('|')[4]!.trim());
  });

  test('every cited test is, whole, the title of a test or describe block in the file it names', () => {
    const cache = new Map<string, Set<string>>();
    const missing: string[] = [];
    const all = citations();
    for (const [row, file, name] of all) {
      // Only what `npm test` runs may hold a row: a script cited there is checked by nobody.
      if (!file.startsWith('test/') || !existsSync(join(ROOT, file)) || name === undefined) {
        missing.push(`row ${row}: ${file} (not a test file, or no test title)`);
        continue;
      }
      if (!cache.has(file)) cache.set(file, testTitles(join(ROOT, file)));
      if (!cache.get(file)!.has(name)) missing.push(`row ${row}: ${file} › ${name}`);
    }
    expect(missing).toEqual([]);
    expect(all.length).toBeGreaterThan(54);
    expect(reviewRows.length).toBeGreaterThanOrEqual(4);
  });

  test('the title parser sees titles whole, and not text in comments or other calls', () => {
    const titles = testTitles(join(ROOT, 'test/hardening/security-doc.test.ts'));
    expect(titles.has('lists every checklist row, 1 to 54, once, with a status')).toBe(true);
    expect(titles.has('lists every checklist row')).toBe(false);
    expect(titles.has('docs/security.md')).toBe(true);
    expect(titles.has('x')).toBe(false);
    expect([...titles].filter((title) => title.includes('parsed from its syntax tree'))).toEqual([]);
  });
});
