/**
 * `curvezmq/browser` bundles for a web page: esbuild (platform browser, no externals, minified)
 * takes `import { CURVE, curveKeyPair } from 'curvezmq/browser'` with no error and no warning,
 * the bundle names no Node module, and it runs in a context holding only what a page has.
 */
import { runInNewContext } from 'node:vm';
import { bundleForBrowser, type BundleReport } from './bundle';

const PAGE = `
import { CURVE, curveKeyPair, z85Encode, cryptoBackend } from 'curvezmq/browser';
const keys = curveKeyPair();
report({ mechanism: CURVE.name, publicKey: keys.publicKey, backend: cryptoBackend().name, z85: z85Encode(new Uint8Array(4)) });
`;

let bundle: BundleReport;
beforeAll(async () => {
  bundle = await bundleForBrowser(PAGE);
  // The figure docs/browser.md keeps: what a page pays for the core, the mechanisms and the channel.
  process.stdout.write(`curvezmq/browser bundle: ${bundle.bytes} bytes minified, ${bundle.gzipped} bytes gzipped\n`);
}, 60_000);

test('bundles with no warning, and no Node module in its graph', () => {
  expect(bundle.warnings).toEqual([]);
  expect(bundle.code).not.toMatch(/\bnode:/);
  const ours = bundle.inputs.filter((input) => !input.startsWith('(disabled)'));
  expect(ours.filter((input) => /src\/crypto\/(node|sodium)|src\/adapters\/(stream|zeromq|zmtp)|src\/trust|node_modules\/(sodium-native|zeromq|ws)\b/.test(input))).toEqual([]);
  // What the browser field maps away is only the guarded Node backends and tweetnacl's own Node fallback.
  expect(bundle.inputs.filter((input) => input.startsWith('(disabled)')).sort()).toEqual(['(disabled):crypto', '(disabled):src/crypto/node', '(disabled):src/crypto/sodium']);
});

test('runs where there is no require, process or Buffer, only what a page has', () => {
  const reports: Record<string, unknown>[] = [];
  runInNewContext(bundle.code, {
    crypto: globalThis.crypto,
    TextEncoder,
    TextDecoder,
    report: (value: Record<string, unknown>) => reports.push(value),
  });
  expect(reports).toHaveLength(1);
  expect(reports[0]).toMatchObject({ mechanism: 'CURVE', backend: 'tweetnacl', z85: '00000' });
  expect(reports[0]!.publicKey).toMatch(/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/);
});

test('with the WebSocket channel, stays within the size budget (40 KiB gzipped; test/browser/zws-bundle.test.ts adds the ZWS client)', async () => {
  const client = await bundleForBrowser(`
import { CURVE, connectWebSocket } from 'curvezmq/browser';
export const open = (url, secretKey, serverKey) => connectWebSocket({ url, mechanism: CURVE, mechanismOptions: { secretKey, serverKey } });
`);
  process.stdout.write(`curvezmq/browser CURVE client over WebSocket: ${client.bytes} bytes minified, ${client.gzipped} bytes gzipped\n`);
  expect(client.warnings).toEqual([]);
  expect(client.code).toContain('arraybuffer'); // the channel is in it, not shaken away
  expect(client.gzipped).toBeLessThanOrEqual(40 * 1024);
});
