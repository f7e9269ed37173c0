/**
 * The examples docs/zeromq.md and docs/filemq.md show (examples/zeromq-overview.ts,
 * examples/zeromq-pub-sub.ts, examples/zeromq-native-curve.ts, examples/filemq-sync.ts) run
 * on real sockets and print what the docs say.
 */
import { main as filemqSync } from '../../examples/filemq-sync';
import { main as nativeCurve } from '../../examples/zeromq-native-curve';
import { main as overview } from '../../examples/zeromq-overview';
import { main as pubSub } from '../../examples/zeromq-pub-sub';

describe('docs/zeromq.md and docs/filemq.md examples', () => {
  test('the overview: one authenticated round trip', async () => {
    await expect(overview()).resolves.toBe('true Hello+more parts -> World');
  });

  test('PUB-SUB: a published message reaches the subscribed session', async () => {
    await expect(pubSub()).resolves.toBe('topic payload');
  });

  test("native CURVE: libzmq's own CURVE with our authorizer through ZAP", async () => {
    await expect(nativeCurve()).resolves.toBe('hello over native CURVE');
  });

  test('FileMQ: a file synced over CURVE', async () => {
    await expect(filemqSync()).resolves.toBe('hello.txt: hello, mirror');
  });
});
