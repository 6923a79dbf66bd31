/** Where the CLI sends requests and with which key: flags first, then the environment. */
export interface CliConfig {
  /** The visgate API base URL, without a trailing slash. */
  apiUrl: string;
  /** The user's RunPod API key (the API's credential), or null when none was given. */
  apiKey: string | null;
  /** RunPod's management API base (without `/v2`), for `cleanup`. */
  runpodApiUrl: string;
  /** Interval of the polling fallback (and of `run`), in milliseconds. */
  pollMs: number;
  /** Follow progress over Server-Sent Events (else only by polling); VISGATE_SSE=0 turns it off. */
  sse: boolean;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
export const DEFAULT_RUNPOD_API_URL = 'https://api.runpod.io';

/**
 * The configuration from flags and `env` (VISGATE_API_URL, RUNPOD_API_KEY, VISGATE_RUNPOD_API_URL,
 * VISGATE_POLL_MS, VISGATE_SSE). The only place the CLI reads the environment.
 */
export function resolveConfig(
  flags: { api?: string; key?: string; 'runpod-api'?: string },
  env: Record<string, string | undefined> = process.env,
): CliConfig {
  const pollMs = Number(env.VISGATE_POLL_MS ?? 1000);
  return {
    apiUrl: (flags.api ?? env.VISGATE_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, ''),
    apiKey: (flags.key ?? env.RUNPOD_API_KEY ?? '').trim() || null,
    runpodApiUrl: (
      flags['runpod-api'] ??
      env.VISGATE_RUNPOD_API_URL ??
      DEFAULT_RUNPOD_API_URL
    ).replace(/\/+$/, ''),
    pollMs: Number.isFinite(pollMs) && pollMs > 0 ? pollMs : 1000,
    sse: env.VISGATE_SSE !== '0',
  };
}
