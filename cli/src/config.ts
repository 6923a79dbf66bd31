import { configPath, readSavedConfig } from './config-file';
import type { Flags } from './flags';

/** Where the key in use came from, as `whoami` reports it. */
export type KeySource = '--key' | 'RUNPOD_API_KEY' | 'config file' | null;

/** Where the CLI sends requests and with which key: flags, then the environment, then the file. */
export interface CliConfig {
  /** The visgate API base URL, without a trailing slash. */
  apiUrl: string;
  /** The user's RunPod API key (the API's credential), or null when none was given. */
  apiKey: string | null;
  keySource: KeySource;
  /** The file `visgate login` writes. */
  configPath: string;
  /** RunPod's management API base (without `/v2`), for `cleanup`. */
  runpodApiUrl: string;
  /** Hugging Face token for deploy/estimate (env HF_TOKEN), when no --hf-token is given. */
  hfToken: string | null;
  /** Interval of the polling fallback (and of `run`), in milliseconds. */
  pollMs: number;
  /** Follow progress over Server-Sent Events (else only by polling); VISGATE_SSE=0 turns it off. */
  sse: boolean;
  /** How long a wait rides out an unreachable API (a restart, a network blip) before giving up. */
  offlineGraceMs: number;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
export const DEFAULT_RUNPOD_API_URL = 'https://api.runpod.io';

const positive = (raw: string | undefined, fallback: number): number => {
  const n = Number(raw ?? fallback);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/**
 * The configuration from flags, `env` (VISGATE_API_URL, RUNPOD_API_KEY, HF_TOKEN,
 * VISGATE_RUNPOD_API_URL, VISGATE_POLL_MS, VISGATE_SSE, VISGATE_OFFLINE_GRACE_S, XDG_CONFIG_HOME)
 * and the file `visgate login` saved. The only place the CLI reads the environment.
 */
export function resolveConfig(
  flags: Flags,
  env: Record<string, string | undefined> = process.env,
): CliConfig {
  const path = configPath(env);
  const saved = readSavedConfig(path);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const flagKey = str(flags.key)?.trim();
  const envKey = env.RUNPOD_API_KEY?.trim();
  const [apiKey, keySource]: [string | null, KeySource] = flagKey
    ? [flagKey, '--key']
    : envKey
      ? [envKey, 'RUNPOD_API_KEY']
      : saved.api_key
        ? [saved.api_key, 'config file']
        : [null, null];
  return {
    apiUrl: (str(flags.api) || env.VISGATE_API_URL || saved.api_url || DEFAULT_API_URL).replace(
      /\/+$/,
      '',
    ),
    apiKey,
    keySource,
    configPath: path,
    runpodApiUrl: (
      str(flags['runpod-api']) ||
      env.VISGATE_RUNPOD_API_URL ||
      DEFAULT_RUNPOD_API_URL
    ).replace(/\/+$/, ''),
    hfToken: env.HF_TOKEN?.trim() || null,
    pollMs: positive(env.VISGATE_POLL_MS, 1000),
    sse: env.VISGATE_SSE !== '0',
    offlineGraceMs: positive(env.VISGATE_OFFLINE_GRACE_S, 120) * 1000,
  };
}
