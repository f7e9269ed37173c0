/**
 * The hot-path proposal for CURVE MESSAGE (issue 7 "a lean hot path"), measured beside the
 * current codec: one allocation per encode (the wire frame, from a slab when small), the flags
 * and payload copied once into it and sealed in place with `sealInto`; decode opened with `openInto` into one
 * fresh array; the 8-byte nonce counter kept as two 32-bit numbers instead of a bigint
 * written through a new DataView. {@link LeanMessageCodec} is a model for the CURVE engineer,
 * checked against the MESSAGEs of `curvezmq_handshake.json` before it is timed.
 *
 * Run alone: `BENCH_PARTS=hotpath npm run bench`.
 */
import { CURVE } from '../mechanisms/curve';
import { generateKeyPair } from '../src';
import { openInto, sealInto, useCryptoBackend } from '../src/crypto';
import { loadVectors, hex, toHexString } from '../test/crypto/load-vectors';
import { median, rate } from './stats';

const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabOffset = 0;

/**
 * A fresh array for a wire frame, carved from a shared 64 KiB ArrayBuffer when small (as Node's
 * Buffer pool does). Why: a new small Uint8Array lives on V8's heap, and the first time native
 * code (sodium-native) asks for its memory V8 moves it off the heap, which costs more than
 * sealing a short message. Only ciphertext ends up in the slab.
 */
function allocWire(length: number): Uint8Array {
  if (length > SLAB_BYTES / 8) return new Uint8Array(length);
  if (slabOffset + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabOffset = 0;
  }
  const view = new Uint8Array(slab.buffer, slabOffset, length);
  slabOffset += (length + 7) & ~7;
  return view;
}

const HEADER = Uint8Array.from('\x07MESSAGE', (c) => c.charCodeAt(0));
const CLIENT_PREFIX = Uint8Array.from('CurveZMQMESSAGEC', (c) => c.charCodeAt(0));
const SERVER_PREFIX = Uint8Array.from('CurveZMQMESSAGES', (c) => c.charCodeAt(0));

/** The proposed MESSAGE codec, one direction each way (no exhaustion or sequence errors modelled beyond the check). */
export class LeanMessageCodec {
  private readonly sendNonce = new Uint8Array(24);
  private readonly receiveNonce = new Uint8Array(24);
  private sendHigh = 0;
  private sendLow: number;
  private lastHigh = 0;
  private lastLow: number;

  constructor(
    private readonly key: Uint8Array,
    sendPrefix: Uint8Array,
    receivePrefix: Uint8Array,
    firstSend: number,
    lastReceived: number,
  ) {
    this.sendNonce.set(sendPrefix);
    this.receiveNonce.set(receivePrefix);
    this.sendLow = firstSend;
    this.lastLow = lastReceived;
  }

  encode(data: Uint8Array, flags: number): Uint8Array {
    const out = allocWire(33 + data.length);
    out.set(HEADER);
    const high = this.sendHigh;
    const low = this.sendLow;
    out[8] = high >>> 24; out[9] = high >>> 16; out[10] = high >>> 8; out[11] = high;
    out[12] = low >>> 24; out[13] = low >>> 16; out[14] = low >>> 8; out[15] = low;
    this.sendNonce.set(out.subarray(8, 16), 16);
    if (++this.sendLow === 0x1_0000_0000) {
      this.sendLow = 0;
      this.sendHigh++;
    }
    out[32] = flags;
    out.set(data, 33);
    sealInto(out, 16, out.subarray(32), this.sendNonce, this.key);
    return out;
  }

  /**
   * Decodes into a fresh array; with `inPlace`, opens the box over its own ciphertext instead
   * (the blob is consumed: for a transport that hands over a buffer nobody else reads).
   */
  decode(blob: Uint8Array, inPlace = false): { data: Uint8Array; flags: number } {
    const high = ((blob[8]! << 24) | (blob[9]! << 16) | (blob[10]! << 8) | blob[11]!) >>> 0;
    const low = ((blob[12]! << 24) | (blob[13]! << 16) | (blob[14]! << 8) | blob[15]!) >>> 0;
    if (high < this.lastHigh || (high === this.lastHigh && low <= this.lastLow)) throw new Error('nonce not increasing');
    this.receiveNonce.set(blob.subarray(8, 16), 16);
    const plaintext = inPlace ? blob.subarray(32) : new Uint8Array(blob.length - 32);
    openInto(plaintext, 0, blob.subarray(16), this.receiveNonce, this.key, 'MESSAGE');
    this.lastHigh = high;
    this.lastLow = low;
    return { data: plaintext.subarray(1), flags: plaintext[0]! };
  }
}

interface HandshakeVectors {
  derived: { session_key_beforenm: string };
  messages: { direction: string; nonce: number; flags: number; payload_hex: string; command: string }[];
}

/** Checks the model against the known MESSAGEs; throws on a mismatch. */
export function checkLeanCodec(): void {
  const v = loadVectors<HandshakeVectors>('curvezmq_handshake.json');
  const key = hex(v.derived.session_key_beforenm);
  for (const m of v.messages) {
    const fromClient = m.direction === 'client->server';
    const sender = new LeanMessageCodec(key, fromClient ? CLIENT_PREFIX : SERVER_PREFIX, fromClient ? SERVER_PREFIX : CLIENT_PREFIX, m.nonce, 0);
    const receiver = new LeanMessageCodec(key, fromClient ? SERVER_PREFIX : CLIENT_PREFIX, fromClient ? CLIENT_PREFIX : SERVER_PREFIX, 1, m.nonce - 1);
    const wire = sender.encode(hex(m.payload_hex), m.flags);
    if (toHexString(wire) !== m.command) throw new Error(`lean codec: MESSAGE nonce ${m.nonce} differs from the vector`);
    const back = receiver.decode(wire.slice(), false);
    const inPlace = new LeanMessageCodec(key, fromClient ? SERVER_PREFIX : CLIENT_PREFIX, fromClient ? CLIENT_PREFIX : SERVER_PREFIX, 1, m.nonce - 1).decode(wire, true);
    if (toHexString(inPlace.data) !== m.payload_hex) throw new Error('lean codec: in-place decode differs');
    if (toHexString(back.data) !== m.payload_hex || back.flags !== m.flags) throw new Error('lean codec: decode differs');
  }
}

/** Rates of the current codec and the model, per size, on the given backend. */
export interface HotPathFigures {
  backend: string;
  rows: { size: number; currentEncode: number; leanEncode: number; currentDecode: number; leanDecode: number; inPlaceDecode: number }[];
}

/** Measures the current CURVE codec and the model side by side, interleaved. */
export function runHotPath(rounds: number, seconds: number, backendName: 'sodium' | 'node' | 'tweetnacl' = 'sodium'): HotPathFigures {
  checkLeanCodec();
  useCryptoBackend(backendName);
  const serverKeys = generateKeyPair();
  const clientKeys = generateKeyPair();
  const client = CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey });
  const server = CURVE.server({ secretKey: serverKeys.secretKey })();
  server.start();
  const welcome = server.receive(client.start().send[0]!).send[0]!;
  let step = server.receive(client.receive(welcome).send[0]!);
  if (step.auth !== undefined) step = server.authorize({ status: 200 });
  client.receive(step.send[0]!);
  const key = new Uint8Array(32).fill(7);
  const leanSender = new LeanMessageCodec(key, CLIENT_PREFIX, SERVER_PREFIX, 1, 0);
  const leanReceiver = new LeanMessageCodec(key, SERVER_PREFIX, CLIENT_PREFIX, 1, 0);
  const inPlaceSender = new LeanMessageCodec(key, CLIENT_PREFIX, SERVER_PREFIX, 1, 0);
  const inPlaceReceiver = new LeanMessageCodec(key, SERVER_PREFIX, CLIENT_PREFIX, 1, 0);
  const sizes = [16, 64, 1024, 65536];
  const samples = sizes.map(() => ({ ce: [] as number[], le: [] as number[], cd: [] as number[], ld: [] as number[], ip: [] as number[] }));
  for (let round = 0; round <= rounds; round++) {
    sizes.forEach((size, i) => {
      const data = new Uint8Array(size).fill(0x61);
      const batch = Math.max(64, Math.min(100_000, Math.floor((32 << 20) / (size + 64))));
      const ce = rate(() => client.encode(data), seconds);
      const le = rate(() => leanSender.encode(data, 0), seconds);
      const current = Array.from({ length: batch }, () => client.encode(data));
      const lean = Array.from({ length: batch }, () => leanSender.encode(data, 0));
      // Off-heap copies, as a socket hands them over, so that opening in place is fair.
      const owned = Array.from({ length: batch }, () => Uint8Array.from(Buffer.from(inPlaceSender.encode(data, 0))));
      // Decodes need fresh increasing nonces, so each times one pre-encoded batch.
      const t0 = process.hrtime.bigint();
      for (const blob of current) server.decode(blob);
      const t1 = process.hrtime.bigint();
      for (const blob of lean) leanReceiver.decode(blob);
      const t2 = process.hrtime.bigint();
      for (const blob of owned) inPlaceReceiver.decode(blob, true);
      const t3 = process.hrtime.bigint();
      if (round === 0) return; // warm-up
      samples[i]!.ce.push(ce);
      samples[i]!.le.push(le);
      samples[i]!.cd.push(batch / (Number(t1 - t0) / 1e9));
      samples[i]!.ld.push(batch / (Number(t2 - t1) / 1e9));
      samples[i]!.ip.push(batch / (Number(t3 - t2) / 1e9));
    });
  }
  useCryptoBackend('auto');
  return {
    backend: backendName,
    rows: sizes.map((size, i) => ({
      size,
      currentEncode: median(samples[i]!.ce),
      leanEncode: median(samples[i]!.le),
      currentDecode: median(samples[i]!.cd),
      leanDecode: median(samples[i]!.ld),
      inPlaceDecode: median(samples[i]!.ip),
    })),
  };
}
