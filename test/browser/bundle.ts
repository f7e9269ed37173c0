/**
 * Bundles a page's import of `curvezmq/browser` with esbuild as a web app would (platform
 * browser, nothing external, minified), from the sources: the name resolves to `src/browser.ts`
 * the way the package's `exports` resolve it to `dist/src/browser.js`, and the package's
 * `browser` field applies to the sources as it does to `dist`.
 */
import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** What a bundle came to. */
export interface BundleReport {
  readonly code: string;
  readonly bytes: number;
  readonly gzipped: number;
  readonly inputs: string[];
  readonly warnings: string[];
}

/** Bundles `source`, a module importing `curvezmq/browser`, for the browser. */
export async function bundleForBrowser(source: string): Promise<BundleReport> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: 'page.ts', loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'curvezmq-from-source',
        setup(b) {
          b.onResolve({ filter: /^curvezmq\/browser$/ }, () => ({ path: join(ROOT, 'src', 'browser.ts') }));
        },
      },
    ],
  });
  const code = result.outputFiles[0]!.text;
  return {
    code,
    bytes: Buffer.byteLength(code),
    gzipped: gzipSync(code, { level: 9 }).length,
    inputs: Object.keys((result.metafile as Metafile).inputs),
    warnings: result.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`),
  };
}
