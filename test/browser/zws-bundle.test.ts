/**
 * The page that holds both browser channels (the stream channel and ZWS 2.0) bundles within the
 * size budget (40 KiB gzipped) with no Node module and nothing of the Node adapters in its
 * graph. The figures are printed for docs/browser.md.
 */
import { bundleForBrowser } from './bundle';

test('a CURVE client with both channels stays within 40 KiB gzipped, with no Node adapter in it', async () => {
  const client = await bundleForBrowser(`
import { CURVE, connectWebSocket, connectZws } from 'curvezmq/browser';
export const stream = (url, secretKey, serverKey) => connectWebSocket({ url, mechanism: CURVE, mechanismOptions: { secretKey, serverKey } });
export const zws = (url, secretKey, serverKey) => connectZws({ url, mechanism: CURVE, mechanismOptions: { secretKey, serverKey } });
`);
  process.stdout.write(`curvezmq/browser CURVE client with the stream and ZWS channels: ${client.bytes} bytes minified, ${client.gzipped} bytes gzipped\n`);
  expect(client.warnings).toEqual([]);
  expect(client.code).toContain('ZWS2.0/'); // the ZWS channel is in it, not shaken away
  expect(client.code).not.toMatch(/\bnode:/);
  expect(client.inputs.filter((input) => /src\/adapters\/(stream|zeromq|zmtp)|src\/trust|node_modules\/(zeromq|ws)\b/.test(input))).toEqual([]);
  expect(client.gzipped).toBeLessThanOrEqual(40 * 1024);
});
