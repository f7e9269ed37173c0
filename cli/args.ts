/**
 * `node:util` `parseArgs`, with one difference that matters for keys: the value of a string
 * option may start with `-`. Z85 keys do (about one in 85 starts with `-`), and plain
 * `parseArgs` refuses `--server-key -abc...` as ambiguous; here the word after a string option
 * is always its value, as `--server-key=-abc...` would be.
 *
 * @module
 */
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Rewrites `--name value` as `--name=value` for every string option `name` of `options`; give
 * the result to `parseArgs` as its `args`.
 */
export function joinStringValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}
