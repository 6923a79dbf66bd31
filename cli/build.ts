// Bundles the CLI into one file, dist/visgate.js: plain JavaScript for Node ≥ 20 with
// @visgate/shared (and zod) inside, so `npm install -g` of the packed cli needs nothing else and no
// TypeScript runs at start. `tsx cli/build.ts [--outfile PATH]`; `npm run build -w cli`.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const here = __dirname;
const CLI_FILE = 'visgate-cli.js';

/**
 * Builds the bundle to `outfile` (default cli/dist/visgate.js) and returns its path. Two files: the
 * entry (a few lines: `--version` and the compile cache) and, beside it, `visgate-cli.js` with
 * everything else, loaded only when a command runs, so `--version` parses almost nothing.
 */
export async function buildCli(outfile = join(here, 'dist', 'visgate.js')): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')) as { version: string };
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { VISGATE_VERSION: JSON.stringify(pkg.version) },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  } as const;
  await build({
    ...common,
    entryPoints: [join(here, 'src', 'cli.ts')],
    outfile: join(dirname(outfile), CLI_FILE),
  });
  await build({
    ...common,
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile,
    banner: { js: '#!/usr/bin/env node' },
    plugins: [
      {
        name: 'cli-beside',
        setup(b) {
          b.onResolve({ filter: /^\.\/cli$/ }, () => ({ path: `./${CLI_FILE}`, external: true }));
        },
      },
    ],
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
