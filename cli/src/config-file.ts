import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors';

/** What `visgate login` keeps between runs. */
export interface SavedConfig {
  api_key?: string;
  api_url?: string;
}

/**
 * `$XDG_CONFIG_HOME/visgate/config.json` (else `~/.config/visgate/config.json`), like `hf` and
 * `replicate` keep their token: one small file only its owner can read.
 */
export function configPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME?.trim() || join(env.HOME?.trim() || homedir(), '.config');
  return join(base, 'visgate', 'config.json');
}

/** The saved configuration, or {} when there is none; a file that is not JSON is reported. */
export function readSavedConfig(path: string): SavedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object') return {};
    const { api_key, api_url } = v as Record<string, unknown>;
    return {
      ...(typeof api_key === 'string' ? { api_key } : {}),
      ...(typeof api_url === 'string' ? { api_url } : {}),
    };
  } catch {
    throw new CliError(`${path} is not valid JSON; fix it or run visgate logout`);
  }
}

/** Writes the file with mode 0600 in a 0700 directory (tightened if they already existed). */
export function writeSavedConfig(path: string, config: SavedConfig): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Removes the file; true when there was one. */
export function removeSavedConfig(path: string): boolean {
  try {
    readFileSync(path);
  } catch {
    return false;
  }
  rmSync(path, { force: true });
  return true;
}
