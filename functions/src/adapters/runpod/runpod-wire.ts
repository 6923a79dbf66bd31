import { z } from 'zod';

/**
 * The parts of RunPod's REST v2 and data-plane bodies we read. Unknown fields are ignored, so an
 * additive change upstream does not break us; a missing field we need is an upstream fault.
 */

export const EndpointWire = z.object({
  id: z.string(),
  name: z.string(),
  templateId: z.string().nullish(),
  gpu: z.object({ pools: z.array(z.string()) }).nullish(),
  workers: z.object({ min: z.number(), max: z.number() }),
  requestUrls: z.object({ run: z.string().optional() }).nullish(),
});
export type EndpointWire = z.infer<typeof EndpointWire>;

export const ListEndpointsWire = z.object({ endpoints: z.array(EndpointWire) });

export const TemplateWire = z.object({ id: z.string(), name: z.string() });
export const ListTemplatesWire = z.object({ templates: z.array(TemplateWire) });

export const ListWorkersWire = z.object({
  workers: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['RUNNING', 'IDLE', 'INITIALIZING', 'THROTTLED', 'UNHEALTHY']),
      gpuTypeId: z.string().nullish(),
      startedAt: z.string().nullish(),
    }),
  ),
});

export const ListGpusWire = z.object({
  gpus: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      pool: z.string().nullable(),
      memory: z.number(),
      price: z.object({ serverless: z.number().optional() }).optional(),
      availability: z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH']).optional(),
    }),
  ),
});

const count = z.number().int().nonnegative().default(0);

export const HealthWire = z.object({
  jobs: z.object({
    completed: count,
    failed: count,
    inProgress: count,
    inQueue: count,
    retried: count,
  }),
  workers: z.object({
    idle: count,
    initializing: count,
    ready: count,
    running: count,
    throttled: count,
    unhealthy: count,
  }),
});

export const RunWire = z.object({ id: z.string() });

export const JobStatusWire = z.object({
  id: z.string(),
  // The docs also name RUNNING for a job in progress.
  status: z
    .enum(['IN_QUEUE', 'IN_PROGRESS', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'])
    .transform((s) => (s === 'RUNNING' ? 'IN_PROGRESS' : s)),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  delayTime: z.number().optional(),
  executionTime: z.number().optional(),
});

/** GraphQL answer to `saveEndpoint { id modelReferences }`: data, errors, or both. */
export const SaveEndpointWire = z.object({
  data: z
    .object({
      saveEndpoint: z
        .object({ id: z.string(), modelReferences: z.array(z.string()).nullish() })
        .nullable(),
    })
    .nullish(),
  errors: z.array(z.object({ message: z.string() })).nullish(),
});
