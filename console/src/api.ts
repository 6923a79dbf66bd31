import type { ErrorCode } from '@visgate/shared';

/** One field-level message from a problem+json body (`errors[]`). */
export interface FieldError {
  path: string;
  message: string;
}

/** A problem+json answer (or a network failure, code NETWORK) as the console shows it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly errors: FieldError[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  send<T>(
    method: 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
  /** A raw authorised request (the SSE reader needs the streaming body). */
  raw(path: string, init: RequestInit): Promise<Response>;
}

/**
 * The API client: relative `/v1/` paths only, so the key (a Bearer header) can only ever go to the
 * origin that served the console; `credentials: 'omit'` and `referrerPolicy: 'no-referrer'` keep
 * anything else out of the request.
 */
export function createApi(key: () => string | null, onUnauthorized: () => void): Api {
  const raw = async (path: string, init: RequestInit): Promise<Response> => {
    if (!path.startsWith('/v1/')) throw new Error(`not an API path: ${path}`);
    const headers = new Headers(init.headers);
    const k = key();
    if (k) headers.set('Authorization', `Bearer ${k}`);
    try {
      return await fetch(path, {
        ...init,
        headers,
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        cache: 'no-store',
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', 'the server could not be reached; check your connection');
    }
  };
  const parse = async <T>(res: Response): Promise<T> => {
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : null;
    if (res.ok) return body as T;
    const p = (body ?? {}) as {
      code?: ErrorCode;
      detail?: string;
      title?: string;
      errors?: FieldError[];
      request_id?: string;
    };
    if (res.status === 401) onUnauthorized();
    throw new ApiError(
      res.status,
      p.code ?? 'INTERNAL',
      p.detail ?? p.title ?? `HTTP ${res.status}`,
      p.errors ?? [],
      p.request_id ?? null,
    );
  };
  return {
    raw,
    get: async (path, signal) => parse(await raw(path, { signal })),
    send: async (method, path, body, headers = {}) =>
      parse(
        await raw(path, {
          method,
          headers:
            body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      ),
  };
}
