import { AppError } from '@visgate/shared';
import type {
  RunPodApi,
  RunPodEndpoint,
  RunPodEndpointSpec,
  RunPodTemplate,
  RunPodTemplateSpec,
  RunPodWorker,
} from '../src/ports';

type Method = keyof RunPodApi;

/** A small valid endpoint spec, for seeding an account; `over` sets what a test is about. */
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

/** One RunPod account as the fake holds it: what a test seeds and later inspects. */
export interface FakeRunPodAccount {
  endpoints: (RunPodEndpoint & { templateId: string })[];
  templates: RunPodTemplate[];
  /** Workers per endpoint id. */
  workers: Map<string, RunPodWorker[]>;
}

export interface FakeRunPodApi extends RunPodApi {
  /** The account behind `apiKey` (created empty on first use, as every key is valid here). */
  account(apiKey: string): FakeRunPodAccount;
  /** Every call in order, as `method id` (or `method` for listings), for asserting effects. */
  calls: string[];
  /** Makes the next `times` calls of `method` throw `error` instead (an outage, a revoked key). */
  fail(method: Method, error: Error, times?: number): void;
}

/**
 * An in-memory `RunPodApi` for unit tests of effect pieces: the management calls (templates,
 * endpoints, workers) with the account rules that change what a caller must do — an endpoint is
 * deleted only at zero workers, a template only when no endpoint uses it, and a missing resource is
 * NOT_FOUND. Data-plane calls (jobs, health) and GraphQL are not modelled; use the RunPod
 * simulator over HTTP for those.
 */
export function createFakeRunPodApi(): FakeRunPodApi {
  const accounts = new Map<string, FakeRunPodAccount>();
  const faults = new Map<Method, { error: Error; times: number }>();
  const calls: string[] = [];
  let nextId = 1;

  const account = (apiKey: string): FakeRunPodAccount => {
    let a = accounts.get(apiKey);
    if (!a) accounts.set(apiKey, (a = { endpoints: [], templates: [], workers: new Map() }));
    return a;
  };
  /** Records the call and throws a planted fault; async so a fault rejects like a real call. */
  const enter = async (method: Method, id?: string): Promise<void> => {
    calls.push(id === undefined ? method : `${method} ${id}`);
    const fault = faults.get(method);
    if (!fault) return;
    if ((fault.times -= 1) <= 0) faults.delete(method);
    await Promise.resolve();
    throw fault.error;
  };
  const notFound = (what: string, id: string) =>
    new AppError('NOT_FOUND', `${what} ${id} not found`);
  const endpointOf = (apiKey: string, id: string) => {
    const e = account(apiKey).endpoints.find((x) => x.id === id);
    if (!e) throw notFound('endpoint', id);
    return e;
  };
  /** RunPod's v2 `Endpoint` does not say which template it was created from. */
  const view = ({ templateId: _t, ...e }: FakeRunPodAccount['endpoints'][number]): RunPodEndpoint =>
    e;
  const unmodelled = (method: Method) => () =>
    Promise.reject(new Error(`${method} is not modelled by the fake`));

  return {
    account,
    calls,
    fail(method, error, times = 1) {
      faults.set(method, { error, times });
    },
    async verifyKey() {
      await enter('verifyKey');
    },
    listGpuTypes: unmodelled('listGpuTypes'),
    async createTemplate(apiKey, spec: RunPodTemplateSpec) {
      await enter('createTemplate', spec.name);
      const t = { id: `tpl-${nextId++}`, name: spec.name };
      account(apiKey).templates.push(t);
      return { ...t };
    },
    async listTemplates(apiKey) {
      await enter('listTemplates');
      return account(apiKey).templates.map((t) => ({ ...t }));
    },
    async deleteTemplate(apiKey, id) {
      await enter('deleteTemplate', id);
      const a = account(apiKey);
      if (!a.templates.some((t) => t.id === id)) throw notFound('template', id);
      const users = a.endpoints.filter((e) => e.templateId === id).map((e) => e.id);
      if (users.length > 0)
        throw new AppError(
          'VALIDATION_FAILED',
          `template is in use by endpoint(s): ${users.join(', ')}`,
        );
      a.templates = a.templates.filter((t) => t.id !== id);
    },
    async createEndpoint(apiKey, spec: RunPodEndpointSpec) {
      await enter('createEndpoint', spec.name);
      const id = `ep-${nextId++}`;
      const e = {
        ...spec,
        id,
        dataCenterIds: spec.dataCenterIds ?? [],
        runUrl: `https://fake/${id}/run`,
      };
      account(apiKey).endpoints.push(e);
      return view(e);
    },
    async getEndpoint(apiKey, id) {
      await enter('getEndpoint', id);
      return view(endpointOf(apiKey, id));
    },
    async listEndpoints(apiKey) {
      await enter('listEndpoints');
      return account(apiKey).endpoints.map(view);
    },
    async updateEndpoint(apiKey, id, patch) {
      await enter('updateEndpoint', id);
      return view(Object.assign(endpointOf(apiKey, id), patch));
    },
    setModelReferences: unmodelled('setModelReferences'),
    getModelReferences: unmodelled('getModelReferences'),
    async deleteEndpoint(apiKey, id) {
      await enter('deleteEndpoint', id);
      const a = account(apiKey);
      const e = endpointOf(apiKey, id);
      if (e.workersMin !== 0 || e.workersMax !== 0)
        throw new AppError(
          'VALIDATION_FAILED',
          "the endpoint's min and max workers must both be zero",
        );
      a.endpoints = a.endpoints.filter((x) => x.id !== id);
      a.workers.delete(id);
    },
    async listWorkers(apiKey, endpointId) {
      await enter('listWorkers', endpointId);
      endpointOf(apiKey, endpointId);
      return (account(apiKey).workers.get(endpointId) ?? []).map((w) => ({ ...w }));
    },
    health: unmodelled('health'),
    runJob: unmodelled('runJob'),
    jobStatus: unmodelled('jobStatus'),
    cancelJob: unmodelled('cancelJob'),
  };
}
