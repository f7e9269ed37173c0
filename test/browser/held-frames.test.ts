/** HeldFrames: what a browser channel holds while a mechanism step is pending. */
import { HeldFrames } from '../../src/adapters/browser/held-frames';

test('holds copies in order, and take() empties it', () => {
  const held = new HeldFrames(10);
  const frame = new Uint8Array([1, 2, 3]);
  held.hold(frame);
  held.hold(new Uint8Array([4]));
  frame[0] = 9; // the channel may reuse its buffer
  expect(held.take()).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
  expect(held.take()).toEqual([]);
  held.hold(new Uint8Array(10)); // the cap counts from the last take()
});

test('more than one handshake command\'s worth is ERR_PROTOCOL', () => {
  const held = new HeldFrames(10);
  held.hold(new Uint8Array(6));
  expect(() => held.hold(new Uint8Array(5))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
});
