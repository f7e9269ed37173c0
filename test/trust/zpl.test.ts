import fc from 'fast-check';
import { formatZpl, parseZpl, TrustError, zplNode, type ZplNode } from '../../src/trust';

function plain(nodes: readonly ZplNode[]): unknown[] {
  return nodes.map((n) => ({ name: n.name, value: n.value, children: plain(n.children) }));
}

function lineOf(text: string): number | undefined {
  try {
    parseZpl(text, 'f.zpl');
  } catch (error) {
    expect(error).toBeInstanceOf(TrustError);
    expect((error as TrustError).code).toBe('ERR_CERT_MALFORMED');
    expect((error as TrustError).message).toMatch(/^f\.zpl:\d+: /);
    return (error as TrustError).line;
  }
  throw new Error('expected a TrustError');
}

describe('parseZpl', () => {
  it('reads sections, quoted and unquoted values, skipping comments and blank lines', () => {
    const text = '# banner\n\nmeta\n    a = "x y"  # trailing\n    b = \'q"q\'\n    c = plain words\ncurve\r\n    k = "v"\r\n';
    expect(plain(parseZpl(text, 'f'))).toEqual([
      { name: 'meta', value: undefined, children: [
        { name: 'a', value: 'x y', children: [] },
        { name: 'b', value: 'q"q', children: [] },
        { name: 'c', value: 'plain words', children: [] },
      ] },
      { name: 'curve', value: undefined, children: [{ name: 'k', value: 'v', children: [] }] },
    ]);
  });

  it('keeps a # inside an unquoted value and ends the value at a # after white space', () => {
    const [node] = parseZpl('k = ab#cd=e # a comment\n', 'f');
    expect(node?.value).toBe('ab#cd=e');
  });

  it('ignores a leading byte-order mark', () => {
    expect(parseZpl('\uFEFF# banner\ncurve\n', 'f').map((n) => n.name)).toEqual(['curve']);
  });

  it('records 1-based line numbers', () => {
    const nodes = parseZpl('# c\n\na\n    b = "1"\n', 'f');
    expect(nodes[0]?.line).toBe(3);
    expect(nodes[0]?.children[0]?.line).toBe(4);
  });

  it.each([
    ['a tab in the indentation', 'a\n\tb = "1"\n', 2],
    ['an indentation that is not a multiple of four', 'a\n   b = "1"\n', 2],
    ['an indentation that skips a level', 'a\n        b = "1"\n', 2],
    ['a child before any parent', '    b = "1"\n', 1],
    ['a missing closing quote', 'a\n    b = "1\n', 2],
    ['text after a quoted value', 'a = "1" x\n', 1],
    ['a name followed by something other than =', 'a b\n', 1],
    ['a line that starts with no name character', '# ok\n!a = "1"\n', 2],
  ])('rejects %s and names the line', (_, text, line) => {
    expect(lineOf(text)).toBe(line);
  });
});

describe('formatZpl', () => {
  it('writes a header, four-space indentation and always-quoted values', () => {
    const text = formatZpl([zplNode('curve', undefined, [zplNode('k', '#=x'), zplNode('q', 'say "hi"')])], ['banner', '']);
    expect(text).toBe('#   banner\n\ncurve\n    k = "#=x"\n    q = \'say "hi"\'\n');
  });

  it.each([
    ['an invalid name', zplNode('a b', 'v')],
    ['a value with a line break', zplNode('a', 'x\ny')],
    ['a value with both quotes', zplNode('a', `"'`)],
  ])('refuses %s with a RangeError', (_, node) => {
    expect(() => formatZpl([node])).toThrow(RangeError);
  });

  it('round-trips any writable value through parseZpl', () => {
    const value = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((v) => !/[\r\n]/.test(v) && !(v.includes('"') && v.includes("'")));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 5 }), (values) => {
        const children = values.map((v, i) => zplNode(`n${i}`, v));
        const parsed = parseZpl(formatZpl([zplNode('s', undefined, children)]), 'f');
        expect(parsed[0]?.children.map((c) => c.value)).toEqual(values);
      }),
    );
  });
});
