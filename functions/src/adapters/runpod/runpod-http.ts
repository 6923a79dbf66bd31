import { AppError } from '@visgate/shared';
import { scrubSecrets } from './scrub-secrets';

/** One authenticated JSON call to RunPod; failures arrive as AppError (see RunPodApi). */
export type RunPodRequest = (
  apiKey: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
) => Promise<unknown>;

const CAPACITY_WORDS = /capacity|stock|availab|no (longer any )?instances/i;

/** Builds the request function: bearer auth, a per-call timeout, and error mapping. */
export function createRunPodRequest(opts: {
  timeoutMs: number;
  fetch?: typeof fetch;
}): RunPodRequest {
  const doFetch = opts.fetch ?? fetch;
  return async function request(apiKey, method, url, body) {
    const where = `${method} ${new URL(url).pathname}`;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      // DOMException is not always an Error subclass across realms (jest), so read the name.
      const timedOut = (e as { name?: unknown } | null)?.name === 'TimeoutError';
      const message = timedOut
        ? `RunPod did not answer ${where} within ${opts.timeoutMs} ms`
        : `RunPod could not be reached for ${where}`;
      throw new AppError('UPSTREAM_UNAVAILABLE', message, { cause: scrubCause(e, apiKey) });
    }
    if (res.ok) return text === '' ? undefined : parseJson(text, where);
    throw errorFor(res, text, where, apiKey);
  };
}

/** Maps a non-2xx RunPod answer to our error codes, quoting only scrubbed upstream text. */
function errorFor(res: Response, text: string, where: string, apiKey: string): AppError {
  const upstream = readProblem(text);
  const detail = scrubSecrets(upstream.detail ?? upstream.title ?? text, [apiKey]);
  const errors = upstream.errors.map((e) => scrubSecrets(e, [apiKey])).slice(0, 20);
  const details = { upstream_status: res.status, ...(errors.length > 0 ? { errors } : {}) };
  const say = (what: string) => `${what} (${where} → ${res.status}${detail ? `: ${detail}` : ''})`;
  const s = res.status;
  if (s === 401 || s === 403) {
    return new AppError('RUNPOD_AUTH', say('RunPod rejected the API key'), { details });
  }
  if (s === 404) return new AppError('NOT_FOUND', say('RunPod resource not found'), { details });
  if (s === 429) {
    const retryAfterS = Number(res.headers.get('retry-after'));
    return new AppError('RATE_LIMITED', say('RunPod rate limit reached'), {
      details,
      ...(Number.isFinite(retryAfterS) && retryAfterS >= 0 ? { retryAfterS } : {}),
    });
  }
  if (s >= 500) {
    return new AppError('UPSTREAM_UNAVAILABLE', say('RunPod failed'), { details });
  }
  if (CAPACITY_WORDS.test(detail)) {
    return new AppError('NO_CAPACITY', say('RunPod has no capacity for this request'), { details });
  }
  if (s === 400 || s === 422) {
    return new AppError('VALIDATION_FAILED', say('RunPod rejected the request'), { details });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', say('Unexpected RunPod answer'), {
    details,
    retryable: false,
    onStep: 'fail',
  });
}

function readProblem(text: string): { title?: string; detail?: string; errors: string[] } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const pick = (k: string) => (typeof body[k] === 'string' ? body[k] : undefined);
    const errors = Array.isArray(body.errors)
      ? body.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
      : [];
    return {
      title: pick('title'),
      detail: pick('detail') ?? pick('error') ?? pick('message'),
      errors,
    };
  } catch {
    return { errors: [] };
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('UPSTREAM_UNAVAILABLE', `RunPod answered ${where} with invalid JSON`, {
      cause: e,
    });
  }
}

/** Keeps a network error as cause without letting the key ride along in its message. */
function scrubCause(e: unknown, apiKey: string): Error {
  const message = e instanceof Error ? e.message : String(e);
  const name = e instanceof Error ? e.name : 'Error';
  const scrubbed = new Error(scrubSecrets(message, [apiKey]));
  scrubbed.name = name;
  return scrubbed;
}
