import {
  normalizeDeploymentRequest,
  CreateDeploymentBodySchema,
} from '../schemas/create-deployment';
import type { Deployment } from '../schemas/deployment';
import { newDeployment } from '../deployment/new-deployment';

/** Builds a valid deployment document for tests (a fresh sd-turbo request); override any field. */
export function aDeployment(overrides: Partial<Deployment> = {}): Deployment {
  const req = normalizeDeploymentRequest(
    CreateDeploymentBodySchema.parse({ hf_model_id: 'stabilityai/sd-turbo' }),
  );
  const doc = newDeployment(
    'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    'owner-hash',
    req,
    new Date('2026-11-27T12:00:00.000Z'),
  );
  return { ...doc, ...overrides };
}
