import { z } from 'zod';
import {
  CreateDeploymentBodySchema,
  CreateJobBodySchema,
  ERROR_CODES,
  PublicJobSchema,
  PublicDeploymentSchema,
  WorkerEventSchema,
} from '@visgate/shared';

const schema = (s: z.ZodType, io: 'input' | 'output' = 'output'): unknown =>
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.enum(ERROR_CODES),
  instance: z.string().optional(),
  request_id: z.string().optional(),
  retryable: z.boolean().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const problemResponse = {
  description: 'Error',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const auth = [{ runpodKey: [] }];
const idParam = [
  {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^dpl_[a-z2-7]{26}$' },
  },
];

const jobIdParam = [
  {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^job_[a-z2-7]{26}$' },
  },
];

/** OpenAPI 3.1 document generated from the zod schemas that validate the same requests. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Visgate Deploy API',
      version: '1.0.0',
      description: 'Deploy a Hugging Face diffusion model to a RunPod serverless endpoint.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        runpodKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'RunPod API key',
          description: 'Your RunPod API key (also accepted as X-Runpod-Api-Key).',
        },
      },
      schemas: {
        CreateDeployment: schema(CreateDeploymentBodySchema, 'input'),
        Deployment: schema(PublicDeploymentSchema),
        WorkerEvent: schema(WorkerEventSchema, 'input'),
        CreateJob: schema(CreateJobBodySchema, 'input'),
        Job: schema(PublicJobSchema),
        Problem: schema(ProblemSchema),
      },
    },
    paths: {
      '/v1/deployments': {
        post: {
          summary: 'Deploy a model',
          security: auth,
          parameters: [
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/CreateDeployment' } },
            },
          },
          responses: {
            '202': { description: 'Accepted; `webhook_secret` is shown only here' },
            default: problemResponse,
          },
        },
        get: {
          summary: 'List your deployments, newest first',
          security: auth,
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: '`{data, next_cursor}`' }, default: problemResponse },
        },
      },
      '/v1/deployments/{id}': {
        get: {
          summary: 'Get a deployment',
          security: auth,
          parameters: idParam,
          responses: {
            '200': {
              description: 'The deployment',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/Deployment' } },
              },
            },
            default: problemResponse,
          },
        },
        delete: {
          summary: 'Delete the deployment and its RunPod endpoint (billing stops)',
          security: auth,
          parameters: idParam,
          responses: { '202': { description: 'Deleting' }, default: problemResponse },
        },
      },
      '/v1/deployments/{id}/events': {
        get: {
          summary:
            'Server-Sent Events: one `status` event per change; closes at ready, paused, failed or deleted',
          security: auth,
          parameters: idParam,
          responses: { '200': { description: 'text/event-stream' }, default: problemResponse },
        },
      },
      '/v1/deployments/{id}/pause': {
        post: {
          summary: 'Scale the endpoint to zero workers (kept, not billing): ready → paused',
          security: auth,
          parameters: idParam,
          responses: { '200': { description: 'Paused' }, default: problemResponse },
        },
      },
      '/v1/deployments/{id}/resume': {
        post: {
          summary: 'Restore the configured workers: paused → loading → ready',
          security: auth,
          parameters: idParam,
          responses: { '202': { description: 'Loading' }, default: problemResponse },
        },
      },
      '/v1/deployments/{id}/jobs': {
        post: {
          summary: 'Run an inference job on a ready deployment',
          security: auth,
          parameters: idParam,
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/CreateJob' } },
            },
          },
          responses: {
            '202': {
              description: 'Queued (`webhook_secret` when one was created for this deployment)',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } },
            },
            default: problemResponse,
          },
        },
        get: {
          summary: "The deployment's jobs, newest first",
          security: auth,
          parameters: [
            ...idParam,
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: '`{data, next_cursor}`' }, default: problemResponse },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          summary:
            'A job, re-read from RunPod while it runs; output with base64 while RunPod keeps it',
          security: auth,
          parameters: jobIdParam,
          responses: {
            '200': {
              description: 'The job',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } },
            },
            default: problemResponse,
          },
        },
      },
      '/v1/jobs/{id}/cancel': {
        post: {
          summary: 'Cancel a queued or running job',
          security: auth,
          parameters: jobIdParam,
          responses: { '200': { description: 'The job' }, default: problemResponse },
        },
      },
      '/v1/estimates': {
        post: {
          summary: 'Estimate VRAM, GPU pool and price without deploying',
          security: auth,
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/CreateDeployment' } },
            },
          },
          responses: {
            '200': { description: 'Estimate and pool choice' },
            default: problemResponse,
          },
        },
      },
      '/v1/gpus': {
        get: {
          summary: 'GPU pools: cards, usable memory, price, stock',
          responses: { '200': { description: 'Pools' } },
        },
      },
      '/v1/models': {
        get: {
          summary: 'Models with known figures',
          responses: { '200': { description: 'Model specs' } },
        },
      },
      '/health': { get: { summary: 'Liveness', responses: { '200': { description: 'ok' } } } },
      '/internal/worker-events/{id}': {
        post: {
          summary: 'Worker progress and readiness (per-deployment bearer token)',
          parameters: idParam,
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/WorkerEvent' } },
            },
          },
          responses: { '204': { description: 'Recorded' }, default: problemResponse },
        },
      },
      '/internal/worker-manifest/{id}': {
        get: {
          summary:
            "The model cache's files with fresh presigned GET URLs, for a worker starting now (per-deployment bearer token); 404 until a complete copy exists",
          parameters: idParam,
          responses: {
            '200': { description: '`{files: [{path, size, sha256, url}]}`' },
            default: problemResponse,
          },
        },
      },
    },
  };
}
