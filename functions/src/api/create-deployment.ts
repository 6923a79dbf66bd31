import {
  AppError,
  base32,
  deploymentId,
  findModelSpec,
  newDeployment,
  newWebhookSecret,
} from '@visgate/shared';
import type { Deps } from '../deps';
import { rejectWebhookTarget } from '../policy/url-guard';
import { ownerHash, requestHash } from '../policy/owner';
import {
  cacheEndpointFields,
  cacheEndpointRejected,
  parseDeploymentRequest,
} from './parse-request';

export type CreateDeploymentDeps = Pick<
  Deps,
  | 'config'
  | 'store'
  | 'secrets'
  | 'idempotency'
  | 'runpod'
  | 'bus'
  | 'clock'
  | 'log'
  | 'random'
  | 'resolveHost'
>;

export interface CreateDeploymentResult {
  status: 202;
  body: Record<string, unknown>;
  replayed: boolean;
}

/**
 * POST /v1/deployments without HTTP: validates the body, verifies the RunPod key once, honours
 * Idempotency-Key (same key + same body → the first response; different body → 409), stores the
 * document and the encrypted secrets, and starts the pipeline. Returns the 202 body, which carries
 * the webhook secret — the only time it is ever shown.
 */
export function createCreateDeployment(deps: CreateDeploymentDeps) {
  return async function createDeployment(input: {
    apiKey: string;
    body: unknown;
    idempotencyKey: string | null;
  }): Promise<CreateDeploymentResult> {
    const req = parseDeploymentRequest(input.body, {
      allowPrivateWebhookHosts: deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
    });
    if (req.secrets.webhookUrl !== null) {
      const why = await rejectWebhookTarget(
        req.secrets.webhookUrl,
        deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
        deps.resolveHost,
      );
      if (why !== null) {
        throw new AppError('WEBHOOK_URL_REJECTED', `user_webhook_url is not allowed: ${why}`, {
          details: { errors: [{ path: 'user_webhook_url', message: why }] },
        });
      }
    }
    for (const { path, url } of cacheEndpointFields(input.body)) {
      const why = await rejectWebhookTarget(
        url,
        deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
        deps.resolveHost,
      );
      if (why !== null) throw cacheEndpointRejected(path, why);
    }
    const owner = ownerHash(deps.config.secrets.ownerPepper, input.apiKey);
    const scopedKey = input.idempotencyKey === null ? null : `${owner}:${input.idempotencyKey}`;
    const hash = requestHash(input.body);
    const ttlMs = deps.config.IDEMPOTENCY_TTL_S * 1000;

    if (scopedKey !== null) {
      const prior = await deps.idempotency.get(scopedKey);
      if (prior) return replay(prior, hash);
    }
    await deps.runpod.verifyKey(input.apiKey);
    if (scopedKey !== null) {
      const claimed = await deps.idempotency.putIfAbsent(
        scopedKey,
        { requestHash: hash, status: 0, body: null, createdAt: deps.clock.now().toISOString() },
        ttlMs,
      );
      if (claimed) return replay(claimed, hash);
    }

    try {
      const at = deps.clock.now();
      const id = deploymentId(deps.random(16));
      const webhookSecret =
        req.secrets.webhookUrl === null ? null : newWebhookSecret(deps.random(32));
      await deps.secrets.put(id, {
        runpodApiKey: input.apiKey,
        hfToken: req.secrets.hfToken,
        webhookUrl: req.secrets.webhookUrl,
        webhookSecret,
        // Made with the deployment, so provision never has to write the secrets on its way.
        eventsToken: base32(deps.random(32)),
        cache: req.secrets.cache,
      });
      const doc = newDeployment(id, owner, req, at);
      await deps.store.create(doc);
      const spec = findModelSpec(req.hfModelId);
      const body = {
        deployment_id: id,
        status: doc.status,
        hf_model_id: doc.hf_model_id,
        created_at: doc.created_at,
        links: { self: `/v1/deployments/${id}`, events: `/v1/deployments/${id}/events` },
        poll_interval_s: Math.max(1, Math.round(deps.config.POLL_INTERVAL_MS / 1000)),
        estimated_ready_s: spec ? Math.round(60 + spec.weightsBytes / 200e6) : 180,
        webhook_secret: webhookSecret,
      };
      if (scopedKey !== null)
        await deps.idempotency.put(
          scopedKey,
          { requestHash: hash, status: 202, body, createdAt: doc.created_at },
          ttlMs,
        );
      deps.log.info('deployment accepted', { deployment_id: id, model: doc.hf_model_id });
      await deps.bus.publish('deployment-validate', { deployment_id: id });
      return { status: 202, body, replayed: false };
    } catch (e) {
      if (scopedKey !== null) await deps.idempotency.delete(scopedKey);
      throw e;
    }
  };
}

function replay(
  prior: { requestHash: string; status: number; body: unknown },
  hash: string,
): CreateDeploymentResult {
  if (prior.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_MISMATCH',
      'this Idempotency-Key was used with a different request body',
    );
  }
  if (prior.status === 0)
    throw new AppError(
      'CONFLICT',
      'a request with this Idempotency-Key is still being processed; retry shortly',
    );
  return { status: 202, body: prior.body as Record<string, unknown>, replayed: true };
}
