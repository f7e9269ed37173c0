/**
 * CHP properties (RFC 12): zero or more `name=value\n` lines in one frame. Parsing takes any
 * bytes and returns a {@link ChpError} rather than throwing, because the bytes come from peers.
 *
 * @module
 */
import { fromUtf8Strict } from '../bytes';
import { ChpError } from './errors';

/** Properties as an ordered, read-only record. */
export type ChpProperties = Readonly<Record<string, string>>;

/** Largest properties frame we accept or send (a fixed cap: properties are a few short lines). */
export const MAX_PROPERTIES_SIZE = 4096;
/** Most properties in one command. */
export const MAX_PROPERTIES = 32;

// Names are what the Guide's kvmsg and our metadata use; keeping them to a safe alphabet means
// a name can never smuggle a '=' or a newline.
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// Values are one line of printable text: no control characters (tab allowed), no newline.
const VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;

const encoder = new TextEncoder();

/**
 * Parses a properties frame. A missing final newline is accepted (some implementations join
 * lines with newlines rather than end each one); a duplicated name is not (which would win?).
 */
export function parseProperties(frame: Uint8Array): ChpProperties | ChpError {
  if (frame.length > MAX_PROPERTIES_SIZE) {
    return new ChpError('ERR_CHP_SIZE', `properties of ${frame.length} bytes exceed ${MAX_PROPERTIES_SIZE}`);
  }
  let text: string;
  try {
    text = fromUtf8Strict(frame);
  } catch {
    return new ChpError('ERR_CHP_PROPERTIES', 'properties are not UTF-8');
  }
  const result: Record<string, string> = Object.create(null);
  if (text === '') return result;
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  if (lines.length > MAX_PROPERTIES) {
    return new ChpError('ERR_CHP_PROPERTIES', `more than ${MAX_PROPERTIES} properties`);
  }
  for (const line of lines) {
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    const value = eq < 0 ? '' : line.slice(eq + 1);
    if (eq < 0 || !NAME.test(name) || !VALUE.test(value)) {
      return new ChpError('ERR_CHP_PROPERTIES', `malformed property line ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (name in result) return new ChpError('ERR_CHP_PROPERTIES', `property "${name}" given twice`);
    result[name] = value;
  }
  return result;
}

/**
 * Encodes properties as `name=value\n` lines.
 *
 * @throws {@link RangeError} naming `argument` for a name or value that would not parse back
 */
export function encodeProperties(properties: ChpProperties, argument = 'properties'): Uint8Array {
  if (typeof properties !== 'object' || properties === null) throw new TypeError(`"${argument}" expected an object`);
  const names = Object.keys(properties);
  if (names.length > MAX_PROPERTIES) throw new RangeError(`"${argument}" has more than ${MAX_PROPERTIES} properties`);
  let text = '';
  for (const name of names) {
    const value = properties[name];
    if (!NAME.test(name)) throw new RangeError(`"${argument}" has an invalid property name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || !VALUE.test(value)) {
      throw new RangeError(`"${argument}.${name}" expected one line of text`);
    }
    text += `${name}=${value}\n`;
  }
  const bytes = encoder.encode(text);
  if (bytes.length > MAX_PROPERTIES_SIZE) throw new RangeError(`"${argument}" exceeds ${MAX_PROPERTIES_SIZE} bytes`);
  return bytes;
}
