/**
 * The examples of docs/stream.md, run: each code block there is marked
 * `<!-- example: test/adapters/stream/examples/... -->`, and test/unit/docs-examples.test.ts
 * checks that it is the file, byte for byte.
 */
import { quickStart } from './examples/quick-start';
import { overWebSocket } from './examples/websocket';

test('the quick start: CURVE echo over TCP, server closed at the end', async () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await quickStart()).toBe('hello');
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^.{40} from 127\.0\.0\.1:\d+$/));
  } finally {
    log.mockRestore();
  }
});

test('CURVE over a WebSocket: a ws server and client through createWebSocketStream', async () => {
  const { peer, reply, serverKey } = await overWebSocket();
  expect(peer.publicKeyZ85).toBe(serverKey);
  expect(reply).toBe('hello over a WebSocket');
});
