/**
 * The main job: `curvezmq hello` (what `npm start` runs) prints the CURVE handshake over ZeroMQ
 * on tcp://127.0.0.1 as it happens and exits 0.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { hello } from '../../../cli/commands/hello';
import { EXIT } from '../../../cli/exit-codes';

const TRANSCRIPT = [
  'C:HELLO: OK',
  'S:WELCOME: OK',
  /^C:INITIATE: \(client=[0-9A-Za-z.\-:+=^!/*?&<>()[\]{}@%$#]{40}\) OK$/,
  'S:READY: OK',
  'C:MESSAGE: (request=Hello) OK',
  'S:MESSAGE: (reply=World) OK',
  "-> 'Hello World' test successful",
];

function expectTranscript(output: string): void {
  const lines = output.trimEnd().split('\n');
  expect(lines).toHaveLength(TRANSCRIPT.length);
  lines.forEach((line, index) => {
    const expected = TRANSCRIPT[index]!;
    if (typeof expected === 'string') expect(line).toBe(expected);
    else expect(line).toMatch(expected);
  });
}

test('hello() prints the handshake transcript and returns 0', async () => {
  let output = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    output += String(chunk);
    return true;
  });
  try {
    expect(await hello()).toBe(EXIT.OK);
  } finally {
    write.mockRestore();
  }
  expectTranscript(output);
});

test('the built command `node bin/curvezmq.js hello` prints it and exits 0', async () => {
  const root = path.join(__dirname, '..', '..', '..');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['bin/curvezmq.js', 'hello'], { cwd: root, timeout: 20_000 }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expectTranscript(stdout);
});
