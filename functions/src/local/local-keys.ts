import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const KeysSchema = z.object({ OWNER_PEPPER: z.string().min(16), SECRETS_KEY: z.string().min(40) });

/**
 * The local server's owner pepper and secrets key, kept beside its database (`<state>.keys.json`,
 * owner-only) so a restart can still open the sealed secrets and still recognise each RunPod key
 * as the same owner. Made once; values already in `env` win and are never written.
 */
export function withLocalKeys(
  env: Record<string, string | undefined>,
  statePath: string,
): Record<string, string | undefined> {
  if (env.OWNER_PEPPER && env.SECRETS_KEY) return env;
  const path = `${statePath}.keys.json`;
  let keys: z.infer<typeof KeysSchema>;
  if (existsSync(path)) {
    keys = KeysSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } else {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    keys = {
      OWNER_PEPPER: randomBytes(32).toString('base64'),
      SECRETS_KEY: randomBytes(32).toString('base64'),
    };
    writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  return {
    ...env,
    OWNER_PEPPER: env.OWNER_PEPPER ?? keys.OWNER_PEPPER,
    SECRETS_KEY: env.SECRETS_KEY ?? keys.SECRETS_KEY,
  };
}
