import { AppError } from '@visgate/shared';
import type {
  RunPodApi,
  RunPodEndpoint,
  RunPodEndpointSpec,
  RunPodTemplate,
  RunPodWorker,
} from '../src/ports';

/** A small valid endpoint spec, for seeding the account; `over` sets what a test is about. */
export function anEndpointSpec(
  name: string,
  templateId: string,
  over: Partial<RunPodEndpointSpec> = {},
): RunPodEndpointSpec {
  return {
    name,
    templateId,
    pools: ['AMPERE_16'],
    workersMin: 0,
    workersMax: 1,
    idleTimeoutS: 5,
    flashboot: true,
    dataCenterIds: null,
    executionTimeoutMs: 60_000,
    minCudaVersion: null,
    ...over,
  };
}

/**
 * An in-memory RunPodApi for unit tests of pieces that talk only to the port: one account, the
 * management calls a step makes, and switches for the answers RunPod gives (a placement refusal
 * per pool, a refused cached model, a planted fault on any call) and the rule that changes what a
 * caller must do: an endpoint is deleted only once scaled to zero. Every call is recorded in order,
 * faulted ones included. Behaviour over the wire
 * (bodies, status codes) is the RunPod simulator's job, not this fake's.
 */
export function createFakeRunPodApi(
  opts: {
    /** Pools RunPod refuses to place a worker on: a create whose first pool is listed is refused. */
    refusePools?: readonly string[];
    /** setModelReferences answers this error (a RunPod refusal), or keeps the references. */
    modelReferenceError?: AppError | null;
  } = {},
) {
  const templates = new Map<string, RunPodTemplate>();
  const endpoints = new Map<string, RunPodEndpoint & { references: string[] }>();
  /** Workers per endpoint id, as `listWorkers` answers them. */
  const workers = new Map<string, RunPodWorker[]>();
  const calls: string[] = [];
  const faults = new Map<keyof RunPodApi, Error>();
  /** The fault planted on `method`, used up by this call (an outage, a revoked key). */
  const fault = (method: keyof RunPodApi): Promise<never> | null => {
    const error = faults.get(method);
    if (!error) return null;
    faults.delete(method);
    return Promise.reject(error);
  };
  let next = 1;
  const newId = (prefix: string) => `${prefix}${next++}`;

  const endpointOf = (spec: RunPodEndpointSpec, id: string): RunPodEndpoint => ({
    id,
    name: spec.name,
    pools: spec.pools,
    workersMin: spec.workersMin,
    workersMax: spec.workersMax,
    idleTimeoutS: spec.idleTimeoutS,
    flashboot: spec.flashboot,
    dataCenterIds: spec.dataCenterIds ?? [],
    executionTimeoutMs: spec.executionTimeoutMs,
    minCudaVersion: spec.minCudaVersion,
    runUrl: `https://api.runpod.ai/v2/${id}/run`,
  });
  const must = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new AppError('NOT_FOUND', `${what} not found`);
    return v;
  };
  const unused = (name: string) => (): never => {
    throw new Error(`fake RunPodApi: ${name} is not used by the piece under test`);
  };

  const api: RunPodApi = {
    verifyKey: () => Promise.resolve(),
    listGpuTypes: () => Promise.resolve([]),
    createTemplate: (_k, spec) => {
      calls.push(`createTemplate ${spec.name}`);
      const t = { id: newId('tpl'), name: spec.name };
      templates.set(t.id, t);
      return Promise.resolve(t);
    },
    listTemplates: () => {
      calls.push('listTemplates');
      return fault('listTemplates') ?? Promise.resolve([...templates.values()]);
    },
    deleteTemplate: (_k, id) => {
      calls.push(`deleteTemplate ${id}`);
      const refused = fault('deleteTemplate');
      if (refused) return refused;
      must(templates.get(id), 'template');
      templates.delete(id);
      return Promise.resolve();
    },
    createEndpoint: (_k, spec) => {
      calls.push(`createEndpoint ${spec.pools.join(',')} min=${spec.workersMin}`);
      if (spec.workersMin > 0 && opts.refusePools?.includes(spec.pools[0] ?? '')) {
        return Promise.reject(
          new AppError('NO_CAPACITY', 'There are no longer any instances available'),
        );
      }
      const e = { ...endpointOf(spec, newId('ep')), references: [] };
      endpoints.set(e.id, e);
      return Promise.resolve(e);
    },
    getEndpoint: (_k, id) => Promise.resolve(must(endpoints.get(id), 'endpoint')),
    listEndpoints: () => {
      calls.push('listEndpoints');
      return fault('listEndpoints') ?? Promise.resolve([...endpoints.values()]);
    },
    updateEndpoint: (_k, id, patch) => {
      calls.push(`updateEndpoint ${id} ${JSON.stringify(patch)}`);
      const refused = fault('updateEndpoint');
      if (refused) return refused;
      const e = must(endpoints.get(id), 'endpoint');
      const updated = { ...e, ...patch, dataCenterIds: patch.dataCenterIds ?? e.dataCenterIds };
      endpoints.set(id, updated);
      return Promise.resolve(updated);
    },
    setModelReferences: (_k, spec, references) => {
      calls.push(`setModelReferences ${spec.id} ${references.join(',')}`);
      if (opts.modelReferenceError) return Promise.reject(opts.modelReferenceError);
      const e = must(endpoints.get(spec.id), 'endpoint');
      endpoints.set(spec.id, { ...e, workersMin: spec.workersMin, references });
      return Promise.resolve(references);
    },
    getModelReferences: (_k, id) => Promise.resolve(must(endpoints.get(id), 'endpoint').references),
    deleteEndpoint: (_k, id) => {
      calls.push(`deleteEndpoint ${id}`);
      const refused = fault('deleteEndpoint');
      if (refused) return refused;
      const e = must(endpoints.get(id), 'endpoint');
      if (e.workersMin !== 0 || e.workersMax !== 0) {
        const msg =
          "The endpoint's min and max workers must both be zero before you can delete it.";
        return Promise.reject(new AppError('VALIDATION_FAILED', msg));
      }
      endpoints.delete(id);
      workers.delete(id);
      return Promise.resolve();
    },
    listWorkers: (_k, id) => {
      calls.push(`listWorkers ${id}`);
      return fault('listWorkers') ?? Promise.resolve(workers.get(id) ?? []);
    },
    health: unused('health'),
    runJob: unused('runJob'),
    jobStatus: unused('jobStatus'),
    cancelJob: unused('cancelJob'),
  };
  return {
    api,
    calls,
    templates,
    endpoints,
    workers,
    /** Makes the next call of `method` fail with `error`. */
    fail: (method: keyof RunPodApi, error: Error): void => {
      faults.set(method, error);
    },
  };
}
