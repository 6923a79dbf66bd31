import { Router } from 'express';
import { publicDeployment } from '@visgate/shared';
import type { Deps } from '../deps';
import { ownerHash } from '../policy/owner';
import { pauseDeployment, resumeDeployment } from '../api/pause-resume';
import { apiKeyFrom } from './auth';

/**
 * `POST /v1/deployments/{id}/pause` (200: paused when it answers) and `/resume` (202: loading, ready
 * later), both with the deployment.
 */
export function pauseResumeRoutes(deps: Deps): Router {
  const router = Router();
  const owner = (headers: Parameters<typeof apiKeyFrom>[0]): string =>
    ownerHash(deps.config.secrets.ownerPepper, apiKeyFrom(headers));

  router.post('/v1/deployments/:id/pause', async (req, res) => {
    const doc = await pauseDeployment(deps, owner(req.headers), req.params.id);
    res.status(200).json(publicDeployment(doc));
  });

  router.post('/v1/deployments/:id/resume', async (req, res) => {
    const doc = await resumeDeployment(deps, owner(req.headers), req.params.id);
    res.status(202).json(publicDeployment(doc));
  });

  return router;
}
