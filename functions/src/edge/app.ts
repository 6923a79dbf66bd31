import express, { type NextFunction, type Request, type Response } from 'express';
import {
  AppError,
  forbiddenKeyPaths,
  isAppError,
  scrubSecrets,
  type ErrorCode,
} from '@visgate/shared';
import type { Deps } from '../deps';
import { createWorkerManifest } from '../api/worker-manifest';
import { createWorkerEvents } from '../api/worker-events';
import { methodNotAllowed } from './method-not-allowed';
import { HTTP, problem } from './problem';
import { deploymentRoutes } from './routes-deployments';
import { metaRoutes } from './routes-meta';
import { jobRoutes } from './routes-jobs';
import { pauseResumeRoutes } from './routes-pause-resume';
import { consoleRoutes } from './console-routes';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
  }
}

/**
 * The `api` function: the public HTTP API plus the workerEvents callback route. Every error leaves as
 * application/problem+json with a stable code; unknown errors are logged and answered 500 INTERNAL
 * without their message.
 */
export function createApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    req.requestId = `req_${Buffer.from(deps.random(9)).toString('base64url')}`;
    res.setHeader('X-Request-Id', req.requestId);
    next();
  });
  app.use(methodNotAllowed());
  app.use(
    express.json({
      limit: deps.config.MAX_BODY_BYTES,
      strict: true,
      type: ['application/json', 'application/*+json'],
    }),
  );
  // One rule for every JSON body: a key that names Object.prototype is refused, never dropped.
  app.use((req, _res, next) => {
    const reserved = forbiddenKeyPaths(req.body);
    if (reserved.length === 0) {
      next();
      return;
    }
    next(
      new AppError('VALIDATION_FAILED', `the body uses a reserved key: ${reserved.join(', ')}`, {
        details: {
          errors: reserved.map((path) => ({ path, message: 'reserved key; use another name' })),
        },
      }),
    );
  });

  app.use(metaRoutes(deps));
  app.use('/v1/deployments', deploymentRoutes(deps));
  app.use(pauseResumeRoutes(deps));
  app.use(jobRoutes(deps));
  // The web console at / (its own security headers; API responses are unchanged).
  app.use(consoleRoutes(deps.config));

  const workerEvent = createWorkerEvents(deps);
  app.post('/internal/worker-events/:id', async (req, res) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
    await workerEvent(req.params.id, token, req.body);
    res.status(204).end();
  });

  const workerManifest = createWorkerManifest(deps);
  app.get('/internal/worker-manifest/:id', async (req, res) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
    res.setHeader('Cache-Control', 'no-store');
    res.json(await workerManifest(req.params.id, token));
  });

  app.use((req, _res, next) => {
    next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const common = { instance: req.originalUrl.split('?')[0] ?? '', requestId: req.requestId };
    let out;
    const fromLibrary = libraryClientError(err, deps.config.MAX_BODY_BYTES);
    if (fromLibrary) {
      out = problem(fromLibrary.code, fromLibrary.detail, {
        ...common,
        details: { errors: [{ path: fromLibrary.path, message: fromLibrary.message }] },
      });
    } else if (isAppError(err)) {
      out = problem(err.code, scrubSecrets(err.message), {
        ...common,
        retryable: err.retryable,
        details: err.details,
      });
      // RFC 9110 §10.2.3: delay-seconds is a non-negative integer.
      if (err.retryAfterS !== undefined)
        res.setHeader('Retry-After', String(Math.max(0, Math.ceil(err.retryAfterS))));
      if (out.status >= 500)
        deps.log.warn('request failed upstream', {
          request_id: req.requestId,
          code: err.code,
          path: common.instance,
        });
    } else {
      deps.log.error('unhandled error', {
        request_id: req.requestId,
        path: common.instance,
        error: err instanceof Error ? scrubSecrets(err.stack ?? err.message) : 'non-error thrown',
      });
      out = problem(
        'INTERNAL',
        'an internal error occurred; quote the request_id when reporting it',
        common,
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(out.status).type('application/problem+json').send(JSON.stringify(out.body));
  });
  return app;
}

/**
 * A client error thrown by a library (body-parser, the router, http-errors in general): anything
 * carrying a 4xx `status`/`statusCode` is the client's fault and becomes the matching problem —
 * a stable code and the place to fix (`(body)` or `(path)`) — never a 500.
 */
export function libraryClientError(
  err: unknown,
  maxBodyBytes: number,
): { code: ErrorCode; detail: string; path: string; message: string } | null {
  if (err === null || typeof err !== 'object' || isAppError(err)) return null;
  const e = err as { status?: unknown; statusCode?: unknown; type?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499)
    return null;
  const type = typeof e.type === 'string' ? e.type : '';
  const text = typeof e.message === 'string' ? e.message : '';
  if (type === 'entity.too.large' || status === 413)
    return {
      code: 'PAYLOAD_TOO_LARGE',
      detail: `the body exceeds ${maxBodyBytes} bytes`,
      path: '(body)',
      message: 'too large',
    };
  if (
    type === 'entity.parse.failed' ||
    type === 'encoding.unsupported' ||
    type === 'charset.unsupported'
  )
    return {
      code: 'VALIDATION_FAILED',
      detail: 'the body is not valid JSON',
      path: '(body)',
      message: 'invalid JSON',
    };
  // The router answers a path segment that is not valid percent-encoded UTF-8 with 400.
  if (/^Failed to decode param/.test(text))
    return {
      code: 'VALIDATION_FAILED',
      detail: 'a path parameter is not valid percent-encoded UTF-8',
      path: '(path)',
      message: 'malformed percent-encoding',
    };
  const code = BY_STATUS[status] ?? 'VALIDATION_FAILED';
  // body-parser's other 4xx (a body that does not match its Content-Encoding, a body cut short).
  const aboutBody = type.startsWith('entity.') || type === '' || type.startsWith('request.');
  return {
    code,
    detail: code === 'VALIDATION_FAILED' ? 'the request body could not be read' : HTTP[code].title,
    path: aboutBody ? '(body)' : '(request)',
    message: code === 'VALIDATION_FAILED' ? 'unreadable body' : HTTP[code].title,
  };
}

const BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
};
