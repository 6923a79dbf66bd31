import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { buildConsole } from '../console/build';

/**
 * The npm packages the bundle leaves external (installed by Cloud Build), pinned to the versions
 * in functions/package.json (and shared's, for what it brings).
 */
export function bundleDependencies(root: string): Record<string, string> {
  const fnPkg = JSON.parse(readFileSync(path.join(root, 'functions/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const sharedPkg = JSON.parse(readFileSync(path.join(root, 'shared/package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.fromEntries(
    Object.entries({ ...sharedPkg.dependencies, ...fnPkg.dependencies }).filter(
      ([name]) => !name.startsWith('@visgate/'),
    ),
  );
}

/** How the deployed bundle is built; functions/src/wiring tests build it the same way. */
export function bundleOptions(root: string, outDir: string): BuildOptions {
  return {
    entryPoints: [path.join(root, 'functions/src/entry/index.ts')],
    outfile: path.join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    sourcemap: 'linked',
    external: Object.keys(bundleDependencies(root)),
    logLevel: 'warning',
  };
}

/**
 * Builds what `gcloud functions deploy --source` uploads: our TypeScript (functions + shared)
 * bundled into one index.js, a package.json whose dependencies are the npm packages left
 * external, and the web console's assets in `console/`, where the api function looks for them
 * (functions/src/edge/console-routes.ts).
 */
async function main(outDir: string): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const dependencies = bundleDependencies(root);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build(bundleOptions(root, outDir));
  await buildConsole(path.join(outDir, 'console'));
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

if (require.main === module) {
  main(process.argv[2] ?? '.build/functions').catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
