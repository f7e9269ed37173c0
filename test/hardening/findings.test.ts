/**
 * Defects the hardening work found in other parts of the project, each pinned by a test so that
 * it stays fixed (see docs/security.md, "Findings").
 */
import { defaultRegistry } from '../../mechanisms';
import { generateKeyPair, seededRandom } from '../../src';

describe('findings', () => {
  // Found by `npm run fuzz` (seed 1125, execution 0:244047): bit 255 of C' is ignored by
  // X25519 (RFC 7748 §5), so the HELLO box still opened and the tampered HELLO got a WELCOME.
  // Fixed in the CURVE mechanism by refusing non-canonical keys (ERR_INVALID_KEY).
  test("row 5: a HELLO whose C' has only its top bit (bit 255) flipped is rejected, not answered", () => {
    const server = generateKeyPair(seededRandom(51));
    const client = generateKeyPair(seededRandom(52));
    const curveServer = defaultRegistry.server('CURVE', { secretKey: server.secretKey, random: seededRandom(53) })();
    const curveClient = defaultRegistry.client('CURVE', { secretKey: client.secretKey, serverKey: server.publicKey, random: seededRandom(54) });
    curveServer.start();
    const hello = curveClient.start().send[0]!.slice();
    expect(hello.length).toBe(200);
    hello[111] = hello[111]! ^ 0x80;
    const step = curveServer.receive(hello);
    expect(step.send).toEqual([]);
    expect(step.status).toBe('failed');
  });
});
