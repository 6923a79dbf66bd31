import { hubResponseError, transportError, type HubErrorContext } from './hub-errors';

export interface HubFetchOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  token: string | null;
  ctx: HubErrorContext;
}

/**
 * A `fetch` for one inspection: adds the bearer token, bounds each request by `timeoutMs`, and
 * throws AppError for every non-2xx answer and transport failure, so callers (ours and
 * `@huggingface/hub`'s) only ever see successful responses. The token is passed here rather than
 * as the library's `accessToken`, which rejects tokens not starting with "hf_".
 */
export function createHubFetch(opts: HubFetchOptions): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (opts.token !== null) headers.set('Authorization', `Bearer ${opts.token}`);
    let res: Response;
    try {
      res = await opts.fetch(input, {
        ...init,
        headers,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (e) {
      throw transportError(e, opts.ctx);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw hubResponseError(
        res.status,
        res.headers.get('X-Error-Code'),
        res.headers.get('Retry-After'),
        opts.ctx,
      );
    }
    return res;
  };
}
