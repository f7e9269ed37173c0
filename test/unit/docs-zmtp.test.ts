/**
 * docs/zmtp.md, run: the echo server and client as shown, and PUB/SUB with a libzmq peer
 * (zeromq.js, none of our code on that side) both ways once the subscription is sent.
 */
import { main as echo } from '../../examples/zmtp-echo';
import { main as pubSub } from '../../examples/zmtp-pub-sub';

test('the echo example carries a two-part message, each part from the one authenticated peer', async () => {
  await expect(echo()).resolves.toBe('hello world (from the client)');
});

test('PUB/SUB with libzmq works both ways once the subscription is sent', async () => {
  await expect(pubSub()).resolves.toBe('news: from libzmq; news: from curvezmq');
}, 15_000);
