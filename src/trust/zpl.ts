/**
 * The subset of ZPL (ZeroMQ RFC 4, "ZeroMQ Property Language") that CZMQ's `zcert` and pyzmq's
 * `zmq.auth` use for certificate files: `#` comment lines, nested sections by indentation of
 * four spaces per level, and `name = value` lines.
 *
 * Reading follows CZMQ's `zconfig` with one deliberate leniency. A value is quoted (`"..."` or
 * `'...'`, no escapes) or unquoted. An unquoted value runs to the end of the line, or to a `#`
 * that follows white space: CZMQ ends it at any `#`, which would cut a Z85 key (Z85 uses `#`)
 * written unquoted by hand; pyzmq's reader takes the whole line. Writing always quotes values.
 *
 * @module
 */
import { TrustError } from './errors';

/** One ZPL line: a name, an optional value and the lines nested under it. */
export interface ZplNode {
  readonly name: string;
  /** The value after `=`, without quotes; `undefined` for a bare name (a section). */
  readonly value: string | undefined;
  /** The 1-based line the node was read from (0 for nodes built in memory). */
  readonly line: number;
  readonly children: readonly ZplNode[];
}

/** The characters RFC 4 allows in a name. */
const NAME = /^[A-Za-z0-9$\-_@.&+/]+/;
const INDENT = 4;

interface OpenNode {
  name: string;
  value: string | undefined;
  line: number;
  children: OpenNode[];
}

/**
 * Parses ZPL text into its top-level nodes. Lines may end in LF or CRLF; a leading byte-order
 * mark is ignored.
 *
 * @param text - the file's contents
 * @param file - the file name, quoted in errors
 * @throws {@link TrustError} `ERR_CERT_MALFORMED` naming `file` and the line: a tab or an
 *   indentation that is not a multiple of four or skips a level, a missing name, text where
 *   `=` is expected, an unterminated quote, or text after a quoted value
 */
export function parseZpl(text: string, file: string): ZplNode[] {
  const roots: OpenNode[] = [];
  const path: OpenNode[] = [];
  // A byte-order mark, as some Windows editors write, is not part of the first line.
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trimEnd();
    const body = content.trimStart();
    if (body === '' || body.startsWith('#')) return;
    const level = indentLevel(content.slice(0, content.length - body.length), path.length, file, line);
    const node: OpenNode = { ...parseLine(body, file, line), line, children: [] };
    path.length = level;
    (level === 0 ? roots : path[level - 1]!.children).push(node);
    path.push(node);
  });
  return roots;
}

function indentLevel(indent: string, depth: number, file: string, line: number): number {
  if (indent.includes('\t')) throw malformed('a tab in the indentation (use four spaces)', file, line);
  if (indent.length % INDENT !== 0) {
    throw malformed(`indentation of ${indent.length} spaces is not a multiple of ${INDENT}`, file, line);
  }
  const level = indent.length / INDENT;
  if (level > depth) throw malformed('indented more than one level below its parent', file, line);
  return level;
}

function parseLine(body: string, file: string, line: number): { name: string; value: string | undefined } {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) throw malformed(`expected a name, got ${JSON.stringify(body[0])}`, file, line);
  const rest = body.slice(name.length).trimStart();
  if (rest === '' || rest.startsWith('#')) return { name, value: undefined };
  if (!rest.startsWith('=')) throw malformed(`expected "=" after ${name}`, file, line);
  return { name, value: parseValue(rest.slice(1).trimStart(), file, line) };
}

function parseValue(text: string, file: string, line: number): string {
  const quote = text[0];
  if (quote !== '"' && quote !== "'") {
    const comment = /\s#/.exec(text);
    return (comment === null ? text : text.slice(0, comment.index)).trimEnd();
  }
  const end = text.indexOf(quote, 1);
  if (end < 0) throw malformed(`missing closing ${quote}`, file, line);
  const after = text.slice(end + 1).trimStart();
  if (after !== '' && !after.startsWith('#')) throw malformed('unexpected text after the value', file, line);
  return text.slice(1, end);
}

function malformed(message: string, file: string, line: number): TrustError {
  return new TrustError('ERR_CERT_MALFORMED', message, { file, line });
}

/** True when `name` is a valid ZPL name. */
export function isZplName(name: string): boolean {
  return NAME.exec(name)?.[0] === name;
}

/**
 * Formats nodes as ZPL text, every value quoted, with `header` lines written first as
 * `#   ` comments. The text ends with a newline.
 *
 * @throws {@link RangeError} when a name is not a valid ZPL name, or a value holds a line break
 *   or both kinds of quote (ZPL has no escapes)
 */
export function formatZpl(nodes: readonly ZplNode[], header: readonly string[] = []): string {
  const lines = header.map((text) => (text === '' ? '' : `#   ${text}`));
  const emit = (node: ZplNode, level: number): void => {
    if (!isZplName(node.name)) throw new RangeError(`ZPL name ${JSON.stringify(node.name)} is not valid`);
    const value = node.value === undefined ? '' : ` = ${quote(node.name, node.value)}`;
    lines.push(`${' '.repeat(level * INDENT)}${node.name}${value}`);
    for (const child of node.children) emit(child, level + 1);
  };
  for (const node of nodes) emit(node, 0);
  return lines.join('\n') + '\n';
}

function quote(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new RangeError(`the value of ${name} holds a line break`);
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new RangeError(`the value of ${name} holds both " and '`);
}

/** A node built in memory, for {@link formatZpl}. */
export function zplNode(name: string, value?: string, children: readonly ZplNode[] = []): ZplNode {
  return { name, value, line: 0, children };
}
