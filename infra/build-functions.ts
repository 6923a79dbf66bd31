import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * Builds what `gcloud functions deploy --source` uploads: our TypeScript (functions + shared)
 * bundled into one index.js, and a package.json whose dependencies are the npm packages left
 * external (installed by Cloud Build), pinned to the versions in functions/package.json.
 */
async function main(outDir: string): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const fnPkg = JSON.parse(readFileSync(path.join(root, 'functions/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const sharedPkg = JSON.parse(readFileSync(path.join(root, 'shared/package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const dependencies = Object.fromEntries(
    Object.entries({ ...sharedPkg.dependencies, ...fnPkg.dependencies }).filter(
      ([name]) => !name.startsWith('@visgate/'),
    ),
  );
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'functions/src/entry/index.ts')],
    outfile: path.join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    sourcemap: 'linked',
    external: Object.keys(dependencies),
    logLevel: 'warning',
  });
  const pkg = {
    name: 'visgate-functions',
    private: true,
    main: 'index.js',
    engines: { node: '24' },
    dependencies,
  };
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  process.stdout.write(`built ${outDir}\n`);
}

main(process.argv[2] ?? '.build/functions').catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
