/**
 * Moved to test/interop/raw-zmtp.ts (its handshake now runs on the shared handshake driver).
 * Kept only while the memory tests under test/adapters still import it from here; delete this
 * file once they import '../../interop/raw-zmtp'.
 */
export * from '../interop/raw-zmtp';
