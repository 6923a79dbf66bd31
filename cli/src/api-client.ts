import type { CliConfig } from './config';
import { CliError } from './errors';

/** What a problem+json body carries that the CLI shows. */
interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

/** Thin client of the visgate API: JSON in and out, problem+json turned into a CliError. */
export interface ApiClient {
  readonly baseUrl: string;
  /** The auth headers, for requests the client does not make itself (SSE). */
  headers(): Record<string, string>;
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function createApiClient(config: CliConfig): ApiClient {
  const headers = (): Record<string, string> => {
    if (!config.apiKey) {
      throw new CliError('no RunPod API key: pass --key or set RUNPOD_API_KEY', 2);
    }
    return { Authorization: `Bearer ${config.apiKey}` };
  };
  return {
    baseUrl: config.apiUrl,
    headers,
    async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
      const url = `${config.apiUrl}${path}`;
      const auth = headers();
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            ...auth,
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        const why =
          e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : '';
        throw new CliError(`cannot reach the visgate API at ${config.apiUrl} (${why})`);
      }
      const text = await res.text();
      if (!res.ok) throw new CliError(problemMessage(res.status, text), 1, res.status);
      return (text === '' ? undefined : JSON.parse(text)) as T;
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
