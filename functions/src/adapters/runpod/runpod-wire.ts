import { z } from 'zod';

/**
 * The parts of RunPod's REST v2 and data-plane bodies we read. Unknown fields are ignored, so an
 * additive change upstream does not break us; a missing field we need is an upstream fault. Enum
 * values are read as strings and mapped by the client (`knownOr`), so one value RunPod adds later
 * is logged and tolerated instead of failing the whole read.
 */

/** The spec's `Endpoint` (runpod-openapi-v2.json): note there is no `templateId`. */
export const EndpointWire = z.object({
  id: z.string(),
  name: z.string(),
  gpu: z.object({ pools: z.array(z.string()), minCudaVersion: z.string().nullish() }).nullish(),
  workers: z.object({ min: z.number(), max: z.number(), idleTimeout: z.number().optional() }),
  dataCenterIds: z.array(z.string()).nullish(),
  timeout: z.number().nullish(),
  flashboot: z.string().nullish(),
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
      status: z.string(),
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
      availability: z.string().nullish(),
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
  status: z.string(),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  delayTime: z.number().optional(),
  executionTime: z.number().optional(),
});

const GqlErrors = z.array(z.object({ message: z.string() })).nullish();

/** GraphQL answer to `saveEndpoint { … modelReferences }`: data, errors, or both. */
export const SaveEndpointWire = z.object({
  data: z
    .object({
      saveEndpoint: z
        .object({ id: z.string(), modelReferences: z.array(z.string()).nullish() })
        .nullable(),
    })
    .nullish(),
  errors: GqlErrors,
});

/** GraphQL answer to `myself { endpoints { id modelReferences } }` (runpodctl `api/endpoint.go`). */
export const MyEndpointsWire = z.object({
  data: z
    .object({
      myself: z
        .object({
          endpoints: z
            .array(z.object({ id: z.string(), modelReferences: z.array(z.string()).nullish() }))
            .nullish(),
        })
        .nullable(),
    })
    .nullish(),
  errors: GqlErrors,
});

export const WORKER_STATUSES = [
  'RUNNING',
  'IDLE',
  'INITIALIZING',
  'THROTTLED',
  'UNHEALTHY',
] as const;
export const AVAILABILITY_LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
export const JOB_STATUSES = [
  'IN_QUEUE',
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
] as const;
