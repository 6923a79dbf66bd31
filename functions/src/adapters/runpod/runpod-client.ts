import { AppError } from '@visgate/shared';
import type { z } from 'zod';
import type {
  Logger,
  RunPodApi,
  RunPodEndpoint,
  RunPodEndpointSpec,
  RunPodGpuType,
  RunPodJobStatus,
} from '../../ports';
import { createRunPodRequest } from './runpod-http';
import {
  EndpointWire,
  HealthWire,
  JobStatusWire,
  ListEndpointsWire,
  ListGpusWire,
  ListTemplatesWire,
  ListWorkersWire,
  MyEndpointsWire,
  RunWire,
  SaveEndpointWire,
  TemplateWire,
  AVAILABILITY_LEVELS,
  JOB_STATUSES,
  WORKER_STATUSES,
} from './runpod-wire';
import { scrubSecrets } from './scrub-secrets';

export interface RunPodClientOptions {
  /** Management API base without `/v2`, e.g. `https://api.runpod.io`. */
  apiBaseUrl: string;
  /** Endpoint data-plane base without `/v2`, e.g. `https://api.runpod.ai`. */
  endpointBaseUrl: string;
  /** Per-call limit; past it the call fails with UPSTREAM_UNAVAILABLE. */
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Where a value outside a known enum is reported (once per field and value). */
  log?: Pick<Logger, 'warn'>;
}

/** RunPod REST v2 + endpoint data plane behind the RunPodApi port. */
export function createRunPodClient(opts: RunPodClientOptions): RunPodApi {
  const request = createRunPodRequest(opts);
  const api = (path: string) => `${trimSlash(opts.apiBaseUrl)}/v2${path}`;
  const data = (endpointId: string, path: string) =>
    `${trimSlash(opts.endpointBaseUrl)}/v2/${encodeURIComponent(endpointId)}${path}`;
  const id = encodeURIComponent;
  const graphqlUrl = `${trimSlash(opts.apiBaseUrl)}/graphql`;
  const reported = new Set<string>();

  /**
   * `value` when it is one of `known`, else `fallback`: a value RunPod adds later is logged once
   * and tolerated, so one new upstream enum value does not fail a whole list.
   */
  function knownOr<T extends string, F>(
    known: readonly T[],
    value: string | null | undefined,
    fallback: F,
    field: string,
  ): T | F {
    if (value === null || value === undefined) return fallback;
    if ((known as readonly string[]).includes(value)) return value as T;
    const seen = `${field}=${value}`;
    if (!reported.has(seen)) {
      reported.add(seen);
      opts.log?.warn('RunPod sent a value we do not know; tolerated', {
        field,
        value: value.slice(0, 60),
      });
    }
    return fallback;
  }

  const toEndpoint = (e: EndpointWire): RunPodEndpoint => ({
    id: e.id,
    name: e.name,
    pools: e.gpu?.pools ?? [],
    workersMin: e.workers.min,
    workersMax: e.workers.max,
    idleTimeoutS: e.workers.idleTimeout ?? null,
    flashboot: (e.flashboot ?? 'OFF') !== 'OFF',
    dataCenterIds: e.dataCenterIds ?? [],
    executionTimeoutMs: e.timeout ?? null,
    minCudaVersion: e.gpu?.minCudaVersion || null,
    runUrl: e.requestUrls?.run ?? data(e.id, '/run'),
  });

  return {
    async verifyKey(apiKey) {
      await request(apiKey, 'GET', api('/serverless'));
    },

    async listGpuTypes(apiKey) {
      const url = api('/catalog/gpus?include=AVAILABILITY&product=SERVERLESS');
      const { gpus } = read(ListGpusWire, await request(apiKey, 'GET', url));
      return gpus.map((g): RunPodGpuType => ({
        id: g.id,
        name: g.name,
        pool: g.pool,
        memoryGb: g.memory,
        serverlessPricePerHour: g.price?.serverless ?? null,
        availability: knownOr(AVAILABILITY_LEVELS, g.availability, null, 'gpu.availability'),
      }));
    },

    async createTemplate(apiKey, spec) {
      const body = {
        name: spec.name,
        image: spec.image,
        disk: spec.diskGb,
        env: spec.env,
        serverless: true,
        startSsh: false,
        startJupyter: false,
      };
      const t = read(TemplateWire, await request(apiKey, 'POST', api('/templates'), body));
      return { id: t.id, name: t.name };
    },

    async listTemplates(apiKey) {
      const { templates } = read(
        ListTemplatesWire,
        await request(apiKey, 'GET', api('/templates')),
      );
      return templates.map((t) => ({ id: t.id, name: t.name }));
    },

    async deleteTemplate(apiKey, templateId) {
      await request(apiKey, 'DELETE', api(`/templates/${id(templateId)}`));
    },

    async createEndpoint(apiKey, spec) {
      const body = createEndpointBody(spec);
      const e = read(EndpointWire, await request(apiKey, 'POST', api('/serverless'), body));
      return toEndpoint(e);
    },

    async getEndpoint(apiKey, endpointId) {
      const url = api(`/serverless/${id(endpointId)}`);
      return toEndpoint(read(EndpointWire, await request(apiKey, 'GET', url)));
    },

    async listEndpoints(apiKey) {
      const { endpoints } = read(
        ListEndpointsWire,
        await request(apiKey, 'GET', api('/serverless')),
      );
      return endpoints.map(toEndpoint);
    },

    async updateEndpoint(apiKey, endpointId, patch) {
      const body: Record<string, unknown> = {};
      if (patch.pools !== undefined) body.gpu = { pools: patch.pools };
      const workers: Record<string, number> = {};
      if (patch.workersMin !== undefined) workers.min = patch.workersMin;
      if (patch.workersMax !== undefined) workers.max = patch.workersMax;
      if (patch.idleTimeoutS !== undefined) workers.idleTimeout = patch.idleTimeoutS;
      if (Object.keys(workers).length > 0) body.workers = workers;
      if (patch.flashboot !== undefined) body.flashboot = patch.flashboot ? 'FLASHBOOT' : 'OFF';
      if (patch.dataCenterIds !== undefined) body.dataCenterIds = patch.dataCenterIds ?? [];
      if (patch.executionTimeoutMs !== undefined) body.timeout = patch.executionTimeoutMs;
      const url = api(`/serverless/${id(endpointId)}`);
      return toEndpoint(read(EndpointWire, await request(apiKey, 'PATCH', url, body)));
    },

    async setModelReferences(apiKey, endpoint, references) {
      // The key travels in the Authorization header only (as runpodctl's client sends it,
      // internal/api/graphql.go), never in the URL, where proxies and access logs would keep it.
      const body = {
        query: SAVE_ENDPOINT_MODELS,
        variables: { input: saveEndpointInput(endpoint, references) },
      };
      const res = read(SaveEndpointWire, await request(apiKey, 'POST', graphqlUrl, body));
      const saved = res.data?.saveEndpoint;
      if (!saved) graphqlFailure(res.errors?.[0]?.message, apiKey, 'saveEndpoint');
      return saved.modelReferences ?? [];
    },

    async getModelReferences(apiKey, endpointId) {
      const body = { query: MY_ENDPOINT_MODELS };
      const res = read(MyEndpointsWire, await request(apiKey, 'POST', graphqlUrl, body));
      const endpoints = res.data?.myself?.endpoints;
      if (!endpoints) graphqlFailure(res.errors?.[0]?.message, apiKey, 'myself.endpoints');
      const found = endpoints.find((e) => e.id === endpointId);
      if (!found) throw new AppError('NOT_FOUND', `RunPod has no endpoint ${endpointId}`);
      return found.modelReferences ?? [];
    },

    async deleteEndpoint(apiKey, endpointId) {
      await request(apiKey, 'DELETE', api(`/serverless/${id(endpointId)}`));
    },

    async listWorkers(apiKey, endpointId) {
      const url = api(`/serverless/${id(endpointId)}/workers`);
      const { workers } = read(ListWorkersWire, await request(apiKey, 'GET', url));
      return workers.map((w) => ({
        id: w.id,
        status: knownOr(WORKER_STATUSES, w.status, 'UNKNOWN' as const, 'worker.status'),
        gpuTypeId: w.gpuTypeId ?? null,
        startedAt: w.startedAt ?? null,
      }));
    },

    async health(apiKey, endpointId) {
      return read(HealthWire, await request(apiKey, 'GET', data(endpointId, '/health')));
    },

    async runJob(apiKey, endpointId, input, policy, webhookUrl) {
      const body: Record<string, unknown> = { input };
      if (webhookUrl !== undefined) body.webhook = webhookUrl;
      const p: Record<string, unknown> = {};
      if (policy?.lowPriority !== undefined) p.lowPriority = policy.lowPriority;
      if (policy?.executionTimeoutMs !== undefined) p.executionTimeout = policy.executionTimeoutMs;
      if (policy?.ttlMs !== undefined) p.ttl = policy.ttlMs;
      if (Object.keys(p).length > 0) body.policy = p;
      const run = read(RunWire, await request(apiKey, 'POST', data(endpointId, '/run'), body));
      return { id: run.id };
    },

    async jobStatus(apiKey, endpointId, jobId) {
      const url = data(endpointId, `/status/${id(jobId)}`);
      const s = read(JobStatusWire, await request(apiKey, 'GET', url));
      // The docs also name RUNNING for a job in progress; a status we do not know yet is read as
      // still in progress (never final), so the job is asked about again.
      const raw = s.status === 'RUNNING' ? 'IN_PROGRESS' : s.status;
      const status = knownOr(JOB_STATUSES, raw, 'IN_PROGRESS' as const, 'job.status');
      const out: RunPodJobStatus = { id: s.id, status };
      if (s.output !== undefined) out.output = s.output;
      if (s.error !== undefined) out.error = s.error;
      if (s.delayTime !== undefined) out.delayTime = s.delayTime;
      if (s.executionTime !== undefined) out.executionTime = s.executionTime;
      return out;
    },

    async cancelJob(apiKey, endpointId, jobId) {
      await request(apiKey, 'POST', data(endpointId, `/cancel/${id(jobId)}`));
    },
  };
}

/** The `CreateEndpointRequest` body: QUEUE endpoint on the template, pools in priority order. */
export function createEndpointBody(spec: RunPodEndpointSpec): Record<string, unknown> {
  return {
    name: spec.name,
    type: 'QUEUE',
    templateId: spec.templateId,
    // CreateEndpointGpuConfig.minCudaVersion: hosts whose driver is older than the image's CUDA
    // build cannot start it, so RunPod must not place a worker there.
    gpu: {
      pools: spec.pools,
      count: 1,
      ...(spec.minCudaVersion ? { minCudaVersion: spec.minCudaVersion } : {}),
    },
    workers: { min: spec.workersMin, max: spec.workersMax, idleTimeout: spec.idleTimeoutS },
    scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
    flashboot: spec.flashboot ? 'FLASHBOOT' : 'OFF',
    ...(spec.dataCenterIds ? { dataCenterIds: spec.dataCenterIds } : {}),
    timeout: spec.executionTimeoutMs,
  };
}

const SAVE_ENDPOINT_MODELS = `mutation SaveEndpoint($input: EndpointInput!) {
  saveEndpoint(input: $input) {
    id name templateId gpuIds gpuCount workersMin workersMax locations idleTimeout
    scalerType scalerValue executionTimeoutMs flashBootType modelReferences
  }
}`;

const MY_ENDPOINT_MODELS = `query MyEndpoints { myself { endpoints { id modelReferences } } }`;

/**
 * GraphQL `EndpointInput` for an update of an existing endpoint, with the fields runpodctl's
 * `UpdateEndpointModels` round-trips (internal/api/endpoints.go): `saveEndpoint` is a full
 * replace, and a field left out is reset to the server default, so the whole configuration goes
 * with the cached models. `locations` takes data center ids (runpodctl's `--data-center-ids` fills
 * it, cmd/serverless/create.go); no network volumes; the CUDA floor set at creation goes again,
 * or the replace would drop it.
 */
export function saveEndpointInput(
  e: RunPodEndpointSpec & { id: string },
  references: string[],
): Record<string, unknown> {
  return {
    id: e.id,
    name: e.name,
    templateId: e.templateId,
    gpuIds: e.pools.join(','),
    gpuCount: 1,
    workersMin: e.workersMin,
    workersMax: e.workersMax,
    locations: (e.dataCenterIds ?? []).join(','),
    networkVolumeIds: [],
    idleTimeout: e.idleTimeoutS,
    scalerType: 'QUEUE_DELAY',
    scalerValue: 4,
    executionTimeoutMs: e.executionTimeoutMs,
    flashBootType: e.flashboot ? 'FLASHBOOT' : 'OFF',
    ...(e.minCudaVersion ? { minCudaVersion: e.minCudaVersion } : {}),
    modelReferences: references,
  };
}

/** A GraphQL answer without data: RunPod's first error, scrubbed, as our error. */
function graphqlFailure(message: string | undefined, apiKey: string, field: string): never {
  const detail = scrubSecrets(message ?? 'no data in the answer', [apiKey]);
  throw new AppError(
    /unauthori[sz]ed|forbidden|api key/i.test(detail) ? 'RUNPOD_AUTH' : 'VALIDATION_FAILED',
    `RunPod rejected the cached-model call (POST /graphql ${field}: ${detail})`,
  );
}

/** Parses an upstream body; a shape we cannot read is RunPod's fault and retrying won't fix it. */
function read<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5);
  throw new AppError(
    'UPSTREAM_UNAVAILABLE',
    `RunPod answered with an unexpected shape at ${paths.join(', ')}`,
    { retryable: false, onStep: 'fail' },
  );
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
