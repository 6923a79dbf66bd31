import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const SRC = path.join(__dirname, 'src');

export interface ConsoleBuild {
  outDir: string;
  /** Every served file with its raw and gzipped size; `lazy` files load only when needed. */
  files: { name: string; bytes: number; gzipBytes: number; lazy: boolean }[];
}

const fingerprint = (body: Buffer | string): string =>
  createHash('sha256').update(body).digest('base64url').slice(0, 10).replace(/[-_]/g, 'x');

/**
 * Builds the web console into `outDir`: index.html (with a slot the server fills with the deploy's
 * live-status config) and `assets/` with fingerprinted, minified JS and CSS, each beside its
 * `.br` and `.gz` (the api function sends these as they are). The Firestore live source is a
 * separate chunk, loaded only when the deploy says live status comes from Firestore.
 */
export async function buildConsole(outDir: string): Promise<ConsoleBuild> {
  const assetsDir = path.join(outDir, 'assets');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(assetsDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(SRC, 'main.tsx')],
    outdir: assetsDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint?.endsWith('main.tsx'));
  if (!entry) throw new Error('console build: no entry output');
  const [entryPath, entryOut] = entry;
  const icon = readFileSync(path.join(SRC, 'icon.svg'));
  const iconName = `icon-${fingerprint(icon)}.svg`;
  writeFileSync(path.join(assetsDir, iconName), icon);

  const name = (p: string): string => path.basename(p);
  const html = readFileSync(path.join(SRC, 'index.html'), 'utf8')
    .replace('%SCRIPT%', `/assets/${name(entryPath)}`)
    .replace('%STYLE%', `/assets/${name(entryOut.cssBundle ?? '')}`)
    .replace('%ICON%', `/assets/${iconName}`);
  writeFileSync(path.join(outDir, 'index.html'), html);

  // The entry's static imports load with it; any other chunk is lazy (the Firestore source).
  const eager = new Set([
    name(entryPath),
    ...entryOut.imports.filter((i) => i.kind !== 'dynamic-import').map((i) => name(i.path)),
  ]);
  const files: ConsoleBuild['files'] = [];
  for (const file of readdirSync(assetsDir)) {
    const body = readFileSync(path.join(assetsDir, file));
    const gzip = gzipSync(body, { level: 9 });
    writeFileSync(path.join(assetsDir, `${file}.gz`), gzip);
    writeFileSync(
      path.join(assetsDir, `${file}.br`),
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    const lazy = file.endsWith('.js') && !eager.has(file);
    files.push({ name: file, bytes: body.length, gzipBytes: gzip.length, lazy });
  }
  const indexGzip = gzipSync(html, { level: 9 }).length;
  files.push({
    name: 'index.html',
    bytes: Buffer.byteLength(html),
    gzipBytes: indexGzip,
    lazy: false,
  });
  return { outDir, files };
}

/** `.build/console` under the repository root: where the local server looks for the console. */
export const DEFAULT_CONSOLE_DIR = path.resolve(__dirname, '..', '.build', 'console');

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] ?? DEFAULT_CONSOLE_DIR);
  buildConsole(outDir)
    .then(({ files }) => {
      const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
      const sum = (lazy: boolean): number =>
        files.filter((f) => f.lazy === lazy).reduce((a, f) => a + f.gzipBytes, 0);
      for (const f of files)
        process.stdout.write(
          `${f.name.padEnd(28)} ${kb(f.bytes).padStart(10)} ${kb(f.gzipBytes).padStart(10)} gz${f.lazy ? '  (lazy)' : ''}\n`,
        );
      process.stdout.write(
        `built ${outDir}: ${kb(sum(false))} gzipped on first load, ${kb(sum(true))} lazy\n`,
      );
    })
    .catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    });
}
