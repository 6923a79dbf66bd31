import { Router } from 'express';
import { MODEL_SPECS } from '@visgate/shared';
import type { Deps } from '../deps';
import { createEstimate } from '../api/estimate';
import { apiKeyFrom } from './auth';
import { openApiDocument } from './openapi';

/** Health, OpenAPI, GPU catalog, model registry and estimates. */
export function metaRoutes(deps: Deps): Router {
  const router = Router();
  const estimate = createEstimate(deps);
  let openapi: Record<string, unknown> | null = null;

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', mode: deps.config.MODE, time: deps.clock.now().toISOString() });
  });

  router.get('/openapi.json', (_req, res) => {
    openapi ??= openApiDocument(deps.config.PUBLIC_BASE_URL);
    res.json(openapi);
  });

  router.get('/v1/gpus', async (req, res) => {
    const key =
      req.headers.authorization || req.headers['x-runpod-api-key'] ? apiKeyFrom(req.headers) : null;
    const { pools, live } = await deps.catalog.pools(key);
    res.json({
      source: live ? 'live' : 'static',
      data: pools.map((p) => ({
        pool: p.id,
        memory_gb: p.memoryGb,
        usable_vram_bytes: p.usableBytes,
        price_per_second_usd: p.pricePerSecondUsd,
        price_per_hour_usd: p.pricePerHourUsd,
        availability: p.availability,
        cards: p.cards.map((c) => ({
          id: c.id,
          name: c.name,
          memory_gb: c.memoryGb,
          usable_vram_bytes: c.usableBytes,
        })),
      })),
    });
  });

  router.get('/v1/models', (_req, res) => {
    res.json({
      data: MODEL_SPECS.map((m) => ({
        hf_model_id: m.id,
        family: m.family,
        pipeline: m.pipelineClass,
        tasks: m.tasks,
        weights_bytes: m.weightsBytes,
        vram_bytes: m.vramBytes,
        gated: m.gated,
        supported: m.supported,
        notes: m.notes,
      })),
    });
  });

  router.post('/v1/estimates', async (req, res) => {
    res.json(await estimate({ apiKey: apiKeyFrom(req.headers), body: req.body }));
  });

  return router;
}
