/**
 * `zeromq` is an optional dependency (a native addon): an install with `--omit=optional`, or
 * whose native build failed, has none. This module is the adapter's first import, so that
 * `import 'curvezmq/zeromq'` then fails at once with one line saying what to do, instead of a
 * require stack from deep inside the adapter.
 *
 * @module
 */
try {
  require.resolve('zeromq');
} catch {
  const error = new Error('curvezmq/zeromq needs the optional package zeromq, which is not installed: npm install zeromq@6');
  (error as Error & { code: string }).code = 'ERR_ZEROMQ_MISSING';
  error.stack = `Error: ${error.message}`;
  throw error;
}

export {};
