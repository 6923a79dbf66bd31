import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set by the build (cli/build.mjs); absent when running the sources through tsx. */
declare const VISGATE_VERSION: string | undefined;

/** The CLI's version: the package's, baked in by the build so `--version` reads no file. */
export const VERSION: string =
  typeof VISGATE_VERSION === 'string'
    ? VISGATE_VERSION
    : (
        JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
