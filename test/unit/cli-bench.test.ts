/**
 * `curvezmq bench`: the in-memory figures per backend, as a table or JSON, and usage errors
 * for bad options. Figures are checked for shape and sense, never for speed.
 */
import { runCli } from '../helpers/cli';
import { EXIT } from '../../cli/exit-codes';

const run = runCli;

describe('curvezmq bench', () => {
  test('--json gives every asked size of the asked backend, with positive rates', async () => {
    const result = await run('bench', '--backend', 'node', '--seconds', '0.02', '--sizes', '16,1024', '--json');
    expect(result.code).toBe(EXIT.OK);
    const figures = JSON.parse(result.stdout) as { backend: string; handshakesPerSecond: number; serverHandshakesPerSecond: number; messages: { size: number; encodesPerSecond: number; decodesPerSecond: number; inPlaceDecodesPerSecond: number }[] }[];
    expect(figures.map((f) => f.backend)).toEqual(['node']);
    const [node] = figures;
    expect(node!.handshakesPerSecond).toBeGreaterThan(0);
    // The server's share of a handshake takes less time than the whole handshake.
    expect(node!.serverHandshakesPerSecond).toBeGreaterThan(node!.handshakesPerSecond);
    expect(node!.messages.map((m) => m.size)).toEqual([16, 1024]);
    for (const m of node!.messages) {
      expect(m.encodesPerSecond).toBeGreaterThan(0);
      expect(m.decodesPerSecond).toBeGreaterThan(0);
      expect(m.inPlaceDecodesPerSecond).toBeGreaterThan(0);
    }
  });

  test('prints a table naming the backend and each size', async () => {
    const result = await run('bench', '--backend', 'node', '--seconds', '0.02', '--sizes', '64');
    expect(result.code).toBe(EXIT.OK);
    expect(result.stdout).toMatch(/^node: \d+ handshakes\/s/m);
    expect(result.stdout).toMatch(/^\s+64 B(\s+\d+){3}(\s+\d+\.\d){3}$/m);
  });

  test.each([
    [['--backend', 'bogus'], /--backend expects/],
    [['--seconds', '0'], /--seconds/],
    [['--sizes', '16,x'], /--sizes/],
    [['--frobnicate'], /frobnicate/],
  ])('%j is a usage error', async (args, message) => {
    const result = await run('bench', ...args);
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toMatch(message);
  });
});
