import { Router } from 'express';
import { z } from 'zod';
import {
  AppError,
  DeploymentStatusSchema,
  IDEMPOTENCY_KEY_PATTERN,
  SETTLED_STATUSES,
  publicDeployment,
} from '@visgate/shared';
import type { Deps } from '../deps';
import { createCreateDeployment } from '../api/create-deployment';
import { deleteDeployment, getOwnedDeployment, listDeployments } from '../api/manage-deployments';
import { ownerHash } from '../policy/owner';
import { issuesToErrors } from '../api/parse-request';
import { apiKeyFrom } from './auth';

const ListQuerySchema = z.strictObject({
  status: DeploymentStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

/** `/v1/deployments`: create, read, list, delete, and live status over Server-Sent Events. */
export function deploymentRoutes(deps: Deps): Router {
  const router = Router();
  const create = createCreateDeployment(deps);
  const owner = (key: string): string => ownerHash(deps.config.secrets.ownerPepper, key);

  router.post('/', async (req, res) => {
    const apiKey = apiKeyFrom(req.headers);
    const idem = req.get('idempotency-key') ?? null;
    if (idem !== null && !IDEMPOTENCY_KEY_PATTERN.test(idem)) {
      throw new AppError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1-255 visible ASCII characters',
        {
          details: { errors: [{ path: 'Idempotency-Key', message: 'invalid header' }] },
        },
      );
    }
    const result = await create({ apiKey, body: req.body, idempotencyKey: idem });
    const id = String(result.body.deployment_id);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).location(`/v1/deployments/${id}`).json(result.body);
  });

  router.get('/', async (req, res) => {
    const apiKey = apiKeyFrom(req.headers);
    const q = ListQuerySchema.safeParse(req.query);
    if (!q.success)
      throw new AppError('VALIDATION_FAILED', 'invalid query', {
        details: { errors: issuesToErrors(q.error) },
      });
    const page = await listDeployments(deps, owner(apiKey), q.data);
    res.json({ data: page.docs.map(publicDeployment), next_cursor: page.nextCursor });
  });

  router.get('/:id', async (req, res) => {
    const doc = await getOwnedDeployment(deps, owner(apiKeyFrom(req.headers)), req.params.id);
    res.json(publicDeployment(doc));
  });

  router.delete('/:id', async (req, res) => {
    const doc = await deleteDeployment(deps, owner(apiKeyFrom(req.headers)), req.params.id);
    res.status(202).json(publicDeployment(doc));
  });

  router.get('/:id/events', async (req, res) => {
    const who = owner(apiKeyFrom(req.headers));
    // Our event ids are document versions; anything else was not sent by us.
    const lastEventId = req.get('last-event-id');
    if (lastEventId !== undefined && !/^[0-9]{1,15}$/.test(lastEventId)) {
      throw new AppError('VALIDATION_FAILED', 'Last-Event-ID must be an event id we sent', {
        details: { errors: [{ path: 'Last-Event-ID', message: 'not an event id' }] },
      });
    }
    const doc = await getOwnedDeployment(deps, who, req.params.id);
    const lastSeen = lastEventId === undefined ? -1 : Number(lastEventId);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let closed = false;
    // End before the platform would cut the request (api's function timeout): a `reconnect` event,
    // then a clean close; EventSource (and the CLI) reconnect after `retry` with Last-Event-ID and
    // get only newer versions.
    const cutoff = setTimeout(() => {
      if (closed) return;
      res.write('event: reconnect\ndata: {}\n\n');
      close();
    }, deps.config.SSE_MAX_STREAM_S * 1000);
    cutoff.unref();
    const close = (): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(cutoff);
      res.end();
    };
    const unsubscribe = deps.store.watch(doc.deployment_id, (d) => {
      if (closed || d.version <= lastSeen) {
        if (!closed && SETTLED_STATUSES.includes(d.status)) close();
        return;
      }
      res.write(
        `id: ${d.version}\nevent: status\ndata: ${JSON.stringify(publicDeployment(d))}\n\n`,
      );
      if (SETTLED_STATUSES.includes(d.status)) close();
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    req.on('close', close);
  });

  return router;
}
