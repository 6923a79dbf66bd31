import type { CliConfig } from './config';
import { CliError, EXIT } from './errors';

/** What a problem+json body carries that the CLI shows. */
interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /**
   * Retry once, after `retryDelayMs`, when the request never got an answer (connection refused or
   * reset). Only for requests that are safe to repeat: reads, and a create with an Idempotency-Key.
   */
  retryNetworkOnce?: boolean;
  /** Send without a key (GET /v1/gpus, /v1/models and /health answer anyone). */
  anonymous?: boolean;
}

/** Thin client of the visgate API: JSON in and out, problem+json turned into a CliError. */
export interface ApiClient {
  readonly baseUrl: string;
  /** The auth headers, for requests the client does not make itself (SSE). */
  headers(): Record<string, string>;
  request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    opts?: RequestOptions,
  ): Promise<T>;
}

export const NO_KEY_MESSAGE =
  'no RunPod API key: run visgate login (or pass --key, or set RUNPOD_API_KEY)';

export function createApiClient(config: CliConfig, retryDelayMs = 1000): ApiClient {
  const headers = (): Record<string, string> => {
    if (!config.apiKey) throw new CliError(NO_KEY_MESSAGE, EXIT.usage);
    return { Authorization: `Bearer ${config.apiKey}` };
  };
  async function once(
    method: string,
    path: string,
    body: unknown,
    opts: RequestOptions,
  ): Promise<unknown> {
    const url = `${config.apiUrl}${path}`;
    const auth = opts.anonymous ? {} : headers();
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...auth,
          ...opts.headers,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const why =
        e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : '';
      throw new CliError(
        `cannot reach the visgate API at ${config.apiUrl} (${why})`,
        EXIT.failure,
        null,
        true,
      );
    }
    const text = await res.text();
    if (!res.ok) throw new CliError(problemMessage(res.status, text), EXIT.failure, res.status);
    return text === '' ? undefined : JSON.parse(text);
  }
  return {
    baseUrl: config.apiUrl,
    headers,
    async request<T>(
      method: 'GET' | 'POST' | 'DELETE',
      path: string,
      body?: unknown,
      opts: RequestOptions = {},
    ): Promise<T> {
      try {
        return (await once(method, path, body, opts)) as T;
      } catch (e) {
        if (!(opts.retryNetworkOnce && e instanceof CliError && e.network)) throw e;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
        return (await once(method, path, body, opts)) as T;
      }
    },
  };
}

/** `detail` of a problem+json body (with field errors and the code), or the status line. */
export function problemMessage(status: number, text: string): string {
  let p: Problem = {};
  try {
    p = JSON.parse(text) as Problem;
  } catch {
    return `HTTP ${status}: ${text.slice(0, 200)}`;
  }
  const fields = (p.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; ');
  const main = p.detail ?? p.title ?? `HTTP ${status}`;
  return `${main}${fields ? ` (${fields})` : ''}${p.code ? ` [${p.code}]` : ''}`;
}
