/** The one module of channel limits: names, defaults, and the 2^31 - 1 cap on durations. */
import { channelLimits, checkCount, checkDuration, checkSize, LIMIT_DEFAULTS, MAX_TIMER_MS } from '../../src/channel/limits';

describe('channel limits', () => {
  test('defaults', () => {
    expect(channelLimits({})).toEqual(LIMIT_DEFAULTS);
    expect(LIMIT_DEFAULTS).toMatchObject({ handshakeTimeout: 30_000, maxHandshakes: 1_000, maxSessions: 10_000, maxFrameSize: 16 * 1024 * 1024 });
  });

  test('a duration Node would fire after 1 ms is refused, naming the option', () => {
    expect(() => channelLimits({ handshakeTimeout: 2 ** 32 })).toThrow(new RangeError(`"options.handshakeTimeout" expected milliseconds from 1 to ${MAX_TIMER_MS}, got 4294967296`));
    expect(() => channelLimits({ idleTimeout: MAX_TIMER_MS + 1 })).toThrow(/"options.idleTimeout"/);
    expect(channelLimits({ keepAlive: MAX_TIMER_MS }).keepAlive).toBe(MAX_TIMER_MS);
  });

  test('a handshake always has a deadline: 0 is refused there, allowed (never) for idle and keepalive', () => {
    expect(() => channelLimits({ handshakeTimeout: 0 })).toThrow(RangeError);
    expect(channelLimits({ idleTimeout: 0, keepAlive: 0 })).toMatchObject({ idleTimeout: 0, keepAlive: 0 });
  });

  test.each([NaN, -1, Infinity, '5', null])('bad values are RangeErrors: %p', (value) => {
    expect(() => checkDuration(value, 'x', 1)).toThrow(RangeError);
    expect(() => checkCount(value, 'x', 1)).toThrow(RangeError);
    expect(() => checkSize(value, 'x', 1)).toThrow(RangeError);
  });

  test('counts and sizes are positive integers; sizes have a ceiling', () => {
    expect(() => checkCount(1.5, 'options.maxSessions', 1)).toThrow('"options.maxSessions" expected a positive integer, got 1.5');
    expect(() => checkCount(0, 'n', 1)).toThrow(RangeError);
    expect(() => checkSize(2 ** 32, 'options.maxFrameSize', 1)).toThrow(/"options.maxFrameSize" expected an integer from 1 to 4294967295/);
    expect(checkSize(undefined, 'n', 7)).toBe(7);
  });

  test('the argument name and adapter defaults can be given', () => {
    expect(() => channelLimits({ maxHandshakes: -1 }, 'server')).toThrow(/"server.maxHandshakes"/);
    expect(channelLimits({}, 'options', { maxFrameSize: 1024 }).maxFrameSize).toBe(1024);
  });
});
