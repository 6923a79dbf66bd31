// Bundles the CLI into one file, dist/visgate.js: plain JavaScript for Node ≥ 20 with
// @visgate/shared (and zod) inside, so `npm install -g` of the packed cli needs nothing else and no
// TypeScript runs at start. `tsx cli/build.ts [--outfile PATH]`; `npm run build -w cli`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const here = __dirname;

/** Builds the bundle to `outfile` (default cli/dist/visgate.js) and returns its path. */
export async function buildCli(outfile = join(here, 'dist', 'visgate.js')): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    define: { VISGATE_VERSION: JSON.stringify(pkg.version) },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (require.main === module) {
  const i = process.argv.indexOf('--outfile');
  const target = i === -1 ? undefined : resolve(process.argv[i + 1] ?? '');
  buildCli(target).then(
    (path) => {
      process.stdout.write(`built ${path}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
