import type { Plane } from './sim-types';
import type { AccountState, SimWorld } from './sim-world';

/** One simulated operation: a method and path template mapped to a handler. */
export interface SimRoute {
  method: string;
  /** Path template as the spec writes it, e.g. `/v2/serverless/{id}`. */
  template: string;
  plane: Plane;
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

export interface RouteContext {
  world: SimWorld;
  account: AccountState;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
}

export interface RouteResult {
  status: number;
  /** JSON body; undefined sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sends `application/problem+json` instead of `application/json`. */
  isProblem?: boolean;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** An RFC 9457 error shaped like RunPod's `ErrorResponse` (`errors` only when given). */
export function problem(status: number, detail: string, errors?: string[]): RouteResult {
  const body: Record<string, unknown> = { title: TITLES[status] ?? 'Error', status, detail };
  if (errors) body.errors = errors;
  return { status, body, isProblem: true };
}

/** Matches a concrete path against a template, returning its parameters or null. */
export function matchTemplate(template: string, path: string): Record<string, string> | null {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return null;
      params[w.slice(1, -1)] = decodeURIComponent(g);
    } else if (w !== g) return null;
  }
  return params;
}
