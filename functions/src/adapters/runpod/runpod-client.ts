import { AppError } from '@visgate/shared';
import type { z } from 'zod';
import type {
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
  RunWire,
  SaveEndpointWire,
  TemplateWire,
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
}

/** RunPod REST v2 + endpoint data plane behind the RunPodApi port. */
export function createRunPodClient(opts: RunPodClientOptions): RunPodApi {
  const request = createRunPodRequest(opts);
  const api = (path: string) => `${trimSlash(opts.apiBaseUrl)}/v2${path}`;
  const data = (endpointId: string, path: string) =>
    `${trimSlash(opts.endpointBaseUrl)}/v2/${encodeURIComponent(endpointId)}${path}`;
  const id = encodeURIComponent;

  const toEndpoint = (e: EndpointWire): RunPodEndpoint => ({
    id: e.id,
    name: e.name,
    templateId: e.templateId ?? null,
    pools: e.gpu?.pools ?? [],
    workersMin: e.workers.min,
    workersMax: e.workers.max,
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
        availability: g.availability ?? null,
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
      // GraphQL takes the key as `?api_key=` (RunPod's docs); errors quote only the path.
      const url = `${trimSlash(opts.apiBaseUrl)}/graphql?api_key=${encodeURIComponent(apiKey)}`;
      const body = {
        query: SAVE_ENDPOINT_MODELS,
        variables: { input: saveEndpointInput(endpoint, references) },
      };
      const res = read(SaveEndpointWire, await request(apiKey, 'POST', url, body));
      const message = res.errors?.[0]?.message;
      if (message !== undefined || !res.data?.saveEndpoint) {
        const detail = scrubSecrets(message ?? 'no endpoint in the answer', [apiKey]);
        throw new AppError(
          /unauthori[sz]ed|forbidden|api key/i.test(detail) ? 'RUNPOD_AUTH' : 'VALIDATION_FAILED',
          `RunPod rejected the cached-model setting (POST /graphql saveEndpoint: ${detail})`,
        );
      }
      return res.data.saveEndpoint.modelReferences ?? [];
    },

    async deleteEndpoint(apiKey, endpointId) {
      await request(apiKey, 'DELETE', api(`/serverless/${id(endpointId)}`));
    },

    async listWorkers(apiKey, endpointId) {
      const url = api(`/serverless/${id(endpointId)}/workers`);
      const { workers } = read(ListWorkersWire, await request(apiKey, 'GET', url));
      return workers.map((w) => ({
        id: w.id,
        status: w.status,
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
      const out: RunPodJobStatus = { id: s.id, status: s.status };
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
    gpu: { pools: spec.pools, count: 1 },
    workers: { min: spec.workersMin, max: spec.workersMax, idleTimeout: spec.idleTimeoutS },
    scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
    flashboot: spec.flashboot ? 'FLASHBOOT' : 'OFF',
    ...(spec.dataCenterIds ? { dataCenterIds: spec.dataCenterIds } : {}),
    timeout: spec.executionTimeoutMs,
  };
}

const SAVE_ENDPOINT_MODELS = `mutation saveEndpoint($input: EndpointInput!) {
  saveEndpoint(input: $input) { id modelReferences }
}`;

/**
 * GraphQL `EndpointInput` for an update of an existing endpoint (RunPod's GraphQL docs and
 * runpodctl's `CreateEndpointInput`): the whole configuration we created it with, plus the cached
 * models. Data centers are not sent (GraphQL's `locations` is not documented to take data center
 * ids); the caller re-asserts them over REST afterwards.
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
    idleTimeout: e.idleTimeoutS,
    scalerType: 'QUEUE_DELAY',
    scalerValue: 4,
    flashBootType: e.flashboot ? 'FLASHBOOT' : 'OFF',
    modelReferences: references,
  };
}

/** Parses an upstream body; a shape we cannot read is RunPod's fault and retrying won't fix it. */
function read<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5);
  throw new AppError(
    'UPSTREAM_UNAVAILABLE',
    `RunPod answered with an unexpected shape at ${paths.join(', ')}`,
    {
      retryable: false,
    },
  );
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
