/** The messages between the benchmark's parent and its worker processes. */
import { join } from 'node:path';

/** Asks the client to count connections (connect, handshake, 1-byte echo, close) for a while. */
export interface ConnRequest {
  readonly op: 'conn';
  readonly address: string;
  readonly seconds: number;
  readonly concurrency: number;
}

/** Asks the client to time `count` one-way messages of `size` bytes. */
export interface MessageRequest {
  readonly op: 'msg';
  readonly address: string;
  readonly size: number;
  readonly count: number;
}

/**
 * A client's answer: a rate (connections/s or messages/s), how many operations it completed,
 * and the CPU time its process spent meanwhile (all threads, so libzmq's I/O threads count);
 * or why it failed.
 */
export type WorkerResult =
  | { readonly ok: true; readonly rate: number; readonly errors: number; readonly count: number; readonly cpuMicros: number }
  | { readonly ok: false; readonly error: string };

/** Asks a server process for the CPU time it has used so far; it answers `{ cpuMicros }`. */
export interface CpuRequest {
  readonly op: 'cpu';
}

/**
 * Starts (`top` absent) or stops a CPU profile of the process; stopping answers with the
 * `top` functions by self time (`ProfileSummary`). Sent to the client before a measurement
 * request, its profile covers that measurement only.
 */
export interface ProfileRequest {
  readonly op: 'profile';
  /** Set when stopping: how many functions the summary lists. */
  readonly top?: number;
  /** Set when stopping, optionally: where to write the whole profile as a `.cpuprofile` file. */
  readonly save?: string;
}

/** CPU microseconds this process has used, user and system, all threads. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Where the TLS files are made, shared by both processes. */
export const CERT_DIR = join(__dirname, '..', '..', '.tmp', 'bench-tls');

