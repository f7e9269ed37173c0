import { parseArgs } from 'node:util';
import { joinStringValues } from '../../cli/args';

const OPTIONS = { 'server-key': { type: 'string' }, 'allow-any': { type: 'boolean' }, message: { type: 'string', multiple: true } } as const;

function parse(args: string[]) {
  return parseArgs({ args: joinStringValues(args, OPTIONS), options: OPTIONS, allowPositionals: true, strict: true });
}

describe('command-line values', () => {
  test('a Z85 key starting with "-" is the value of --server-key, not an option', () => {
    expect(parse(['--server-key', '-x:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7', 'tcp://a']).values['server-key']).toBe(
      '-x:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7',
    );
    expect(() => parseArgs({ args: ['--server-key', '-abc'], options: OPTIONS, strict: true })).toThrow(/ambiguous/);
  });

  test('boolean options do not take the next word; = forms and repeats are kept', () => {
    const { values, positionals } = parse(['--allow-any', 'tcp://a', '--message=-1', '--message', '--2']);
    expect(values['allow-any']).toBe(true);
    expect(positionals).toEqual(['tcp://a']);
    expect(values.message).toEqual(['-1', '--2']);
  });

  test('a string option with no value left is still a usage error', () => {
    expect(() => parse(['--server-key'])).toThrow(/argument missing/);
  });
});
