import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError, isAppError, scrubSecrets } from '@visgate/shared';
import type { Deps } from '../handlers/deps';
import { createWorkerManifest } from '../handlers/cache-source';
import { createWorkerEvents } from '../handlers/worker-events';
import { problem } from './problem';
import { deploymentRoutes } from './routes-deployments';
import { metaRoutes } from './routes-meta';
import { jobRoutes } from './routes-jobs';
import { pauseResumeRoutes } from './routes-pause-resume';

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
  app.use(
    express.json({
      limit: deps.config.MAX_BODY_BYTES,
      strict: true,
      type: ['application/json', 'application/*+json'],
    }),
  );

  app.use(metaRoutes(deps));
  app.use('/v1/deployments', deploymentRoutes(deps));
  app.use(pauseResumeRoutes(deps));
  app.use(jobRoutes(deps));

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
    const bodyError = err as { type?: string; status?: number } | null;
    if (bodyError?.type === 'entity.too.large') {
      out = problem(
        'PAYLOAD_TOO_LARGE',
        `the body exceeds ${deps.config.MAX_BODY_BYTES} bytes`,
        common,
      );
    } else if (
      bodyError?.type === 'entity.parse.failed' ||
      bodyError?.type === 'encoding.unsupported' ||
      bodyError?.type === 'charset.unsupported'
    ) {
      out = problem('VALIDATION_FAILED', 'the body is not valid JSON', {
        ...common,
        details: { errors: [{ path: '(body)', message: 'invalid JSON' }] },
      });
    } else if (isAppError(err)) {
      out = problem(err.code, scrubSecrets(err.message), {
        ...common,
        retryable: err.retryable,
        details: err.details,
      });
      if (err.retryAfterS !== undefined) res.setHeader('Retry-After', String(err.retryAfterS));
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
