/**
 * docs/protocol.md agrees with the code and the vector: its worked transcript is the vector
 * byte for byte, its nonce prefixes are the ones the code uses, and its size table is the
 * code's.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import * as commands from '../../../mechanisms/curve/commands';
import * as nonces from '../../../mechanisms/curve/nonces';
import { fromUtf8 } from '../../../src';
import { vector } from './helpers';

const doc = readFileSync(join(__dirname, '../../../docs/protocol.md'), 'utf8');

describe('docs/protocol.md', () => {
  test('every transcript block is the vector, byte for byte, and every command is shown', () => {
    const blocks = [...doc.matchAll(/<!-- vector: (\w+)\.(\w+) -->\n```\n([0-9a-f\n]+)```/g)];
    expect(blocks.map((b) => `${b[1]}.${b[2]}`)).toEqual([
      'commands.hello', 'commands.welcome', 'commands.cookie', 'commands.vouch', 'commands.initiate', 'commands.ready',
      'messages.0', 'messages.1', 'messages.2',
    ]);
    for (const [, group, key, hex] of blocks) {
      const expected = group === 'commands' ? vector.commands[key as keyof typeof vector.commands] : vector.messages[Number(key)]!.command;
      expect(hex!.replace(/\n/g, '')).toBe(expected);
    }
  });

  test('the nonce prefix table lists exactly the prefixes the code uses', () => {
    const prefixes = [
      nonces.HELLO_PREFIX, nonces.WELCOME_PREFIX, nonces.COOKIE_PREFIX, nonces.INITIATE_PREFIX,
      nonces.VOUCH_PREFIX, nonces.READY_PREFIX, nonces.MESSAGE_CLIENT_PREFIX, nonces.MESSAGE_SERVER_PREFIX,
    ].map((p) => `| \`${fromUtf8(p)}\``);
    for (const prefix of prefixes) expect(doc).toContain(prefix.slice(2));
    const rows = [...doc.matchAll(/^\| [^|]+\| `([A-Za-z-]+)` +\| (\d+) /gm)];
    expect(rows.map((r) => r[1])).toEqual(prefixes.map((p) => p.slice(3, -1)));
    for (const row of rows) expect(row[1]!.length).toBe(Number(row[2]));
  });

  test('the size table is the code\'s', () => {
    const sizes: Record<string, string> = {
      HELLO: String(commands.HELLO_SIZE),
      WELCOME: String(commands.WELCOME_SIZE),
      INITIATE: `${commands.INITIATE_MIN_SIZE} + M`,
      READY: `${commands.READY_MIN_SIZE} + M`,
      ERROR: `${commands.ERROR_MIN_SIZE} + L`,
      MESSAGE: `${commands.MESSAGE_MIN_SIZE} + N`,
    };
    for (const [name, size] of Object.entries(sizes)) {
      expect(doc).toMatch(new RegExp(`\\| ${name} +\\| \\w+ +\\| ${size.replace('+', '\\+')} +\\|`));
    }
    expect(doc).toContain(`${commands.MAX_METADATA_BYTES.toLocaleString('en-US')} bytes`);
  });
});
