import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A workspace's package.json names files other tools open (`main`, `types`, `bin`); one pointing
 * at nothing fails only when someone first relies on it (functions/ named a missing src/index.ts
 * for months; the deployed bundle gets its own package.json from infra/build-functions.ts).
 */
const root = path.resolve(__dirname, '../..');
const workspaces = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces;

describe.each(workspaces)('the %s workspace package.json', (workspace) => {
  const pkg = JSON.parse(readFileSync(path.join(root, workspace, 'package.json'), 'utf8')) as {
    main?: string;
    types?: string;
    bin?: Record<string, string>;
    files?: string[];
    scripts?: Record<string, string>;
  };
  const named = [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})].filter(
    (f): f is string => f !== undefined,
  );

  const built = (f: string): boolean => f.startsWith('dist/');

  it('names only files that exist', () => {
    const missing = named.filter((f) => !built(f) && !existsSync(path.join(root, workspace, f)));
    expect(missing).toEqual([]);
  });

  it('builds the files it names from dist/ whenever it is packed, and ships them', () => {
    // A bin in dist/ (the CLI) exists only after a build: `npm pack` / `npm install -g` of the
    // folder must run that build (prepack) and the package must include its output.
    for (const f of named.filter(built)) {
      expect(pkg.scripts?.prepack).toEqual(expect.any(String));
      expect(pkg.files).toContain(f);
    }
  });
});
