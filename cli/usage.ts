/**
 * Command-line parsing shared by every sub-command: `parseArgs` with Z85-safe values
 * (`./args`), and mistakes turned into {@link UsageError}s that say what was probably meant,
 * so that a misspelt option gets a suggestion rather than `parseArgs`' generic text.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { joinStringValues } from './args';

/** A command-line mistake: the command prints it with its usage and exits with `EXIT.USAGE`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseCommand} returns: `parseArgs`' values and positionals, and the options given. */
export interface ParsedCommand<T extends Options> {
  readonly values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>['values'];
  readonly positionals: string[];
  readonly given: ReadonlySet<string>;
}

/**
 * The closest of `candidates` to `word` (edit distance at most a third of its length, at least
 * 2), or `undefined`: close enough to be a typo, far enough not to guess wildly.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** `" (did you mean --x?)"` for the closest known option, or nothing. */
export function didYouMean(word: string, candidates: readonly string[], prefix = '--'): string {
  const match = closest(word.replace(/^-+/, ''), candidates);
  return match === undefined ? '' : ` (did you mean ${prefix}${match}?)`;
}

/**
 * `parseArgs` in strict mode over `options`, plus the names of the options actually given.
 *
 * @throws {@link UsageError} for an unknown or malformed option
 */
export function parseCommand<T extends Options>(args: readonly string[], options: T, allowPositionals = true): ParsedCommand<T> {
  let parsed;
  try {
    parsed = parseArgs({ args: joinStringValues(args, options), options, allowPositionals, strict: true, tokens: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message.split('. ')[0]!);
    throw new UsageError(`unknown option ${unknown}${didYouMean(unknown, Object.keys(options))}`);
  }
  const given = new Set(parsed.tokens.flatMap((token) => (token.kind === 'option' ? [token.name] : [])));
  return { values: parsed.values as ParsedCommand<T>['values'], positionals: parsed.positionals, given };
}
