import { findPool, gpuCatalogBody } from './gpu-catalog';
import { reconcileAll, freeGpus, teardownEndpoint } from './endpoint-scaler';
import { specValidator } from './openapi-spec';
import type { EndpointRecord, TemplateRecord } from './sim-types';
import { newEndpointState, randomId } from './sim-world';
import { problem, type RouteContext, type RouteResult, type SimRoute } from './sim-route';
import { endpointBody, workersBody } from './render-bodies';

type Body = Record<string, unknown>;

/** RunPod REST v2 management operations (api.runpod.io): templates, endpoints, workers, catalog. */
export const MANAGEMENT_ROUTES: SimRoute[] = [
  { method: 'GET', template: '/v2/catalog/gpus', plane: 'management', handle: listGpus },
  { method: 'GET', template: '/v2/templates', plane: 'management', handle: listTemplates },
  { method: 'POST', template: '/v2/templates', plane: 'management', handle: createTemplate },
  { method: 'GET', template: '/v2/templates/{id}', plane: 'management', handle: getTemplate },
  { method: 'DELETE', template: '/v2/templates/{id}', plane: 'management', handle: deleteTemplate },
  { method: 'GET', template: '/v2/serverless', plane: 'management', handle: listEndpoints },
  { method: 'POST', template: '/v2/serverless', plane: 'management', handle: createEndpoint },
  { method: 'GET', template: '/v2/serverless/{id}', plane: 'management', handle: getEndpoint },
  { method: 'PATCH', template: '/v2/serverless/{id}', plane: 'management', handle: updateEndpoint },
  {
    method: 'DELETE',
    template: '/v2/serverless/{id}',
    plane: 'management',
    handle: deleteEndpoint,
  },
  {
    method: 'GET',
    template: '/v2/serverless/{id}/workers',
    plane: 'management',
    handle: listWorkers,
  },
];

function listGpus({ world, query }: RouteContext): RouteResult {
  const include = query.get('include')?.split(',') ?? [];
  const product = query.get('product')?.split(',') ?? [];
  if (include.some((i) => i !== 'AVAILABILITY')) return problem(400, 'unsupported include value');
  if (product.some((p) => !['POD', 'CLUSTER', 'SERVERLESS'].includes(p))) {
    return problem(400, 'unsupported product value');
  }
  if (include.length > 0 && product.length === 0) {
    return problem(400, 'product is required with include=AVAILABILITY');
  }
  if (include.length === 0 && product.length > 0) {
    return problem(400, 'product is only valid with include=AVAILABILITY');
  }
  const free = include.length > 0 ? (pool: string) => freeGpus(world, pool) : null;
  return { status: 200, body: gpuCatalogBody(free) };
}

function listTemplates({ account }: RouteContext): RouteResult {
  return { status: 200, body: { templates: [...account.templates.values()] } };
}

function createTemplate({ account, body }: RouteContext): RouteResult {
  const invalid = validate('CreateTemplateRequest', body);
  if (invalid) return invalid;
  const req = body as Body;
  const name = req.name as string;
  if ([...account.templates.values()].some((t) => t.name === name)) {
    return problem(400, `template name must be unique: ${name}`);
  }
  const template: TemplateRecord = {
    id: randomId(10),
    name,
    image: req.image as string,
    args: req.args ?? '',
    disk: req.disk ?? 20,
    mounts: req.mounts ?? {},
    ports: req.ports ?? [],
    env: (req.env as Record<string, string> | undefined) ?? {},
    registry: req.registry ?? null,
    serverless: req.serverless ?? false,
    public: req.public ?? false,
    category: req.category ?? 'NVIDIA',
    startSsh: req.startSsh ?? true,
    startJupyter: req.startJupyter ?? true,
    allowedCudaVersions: req.allowedCudaVersions ?? [],
  };
  account.templates.set(template.id, template);
  return { status: 201, body: template };
}

function getTemplate({ account, params }: RouteContext): RouteResult {
  const template = account.templates.get(params.id ?? '');
  return template ? { status: 200, body: template } : problem(404, 'template not found');
}

function deleteTemplate({ account, params }: RouteContext): RouteResult {
  const id = params.id ?? '';
  if (!account.templates.has(id)) return problem(404, 'template not found');
  const users = [...account.endpoints.values()].filter((e) => e.rec.templateId === id);
  if (users.length > 0) {
    const ids = users.map((e) => e.rec.id).join(', ');
    return problem(400, `template is in use by endpoint(s): ${ids}`);
  }
  account.templates.delete(id);
  return { status: 204 };
}

function listEndpoints({ world, account }: RouteContext): RouteResult {
  const endpoints = [...account.endpoints.values()].map((e) => endpointBody(world, e));
  return { status: 200, body: { endpoints } };
}

function createEndpoint(ctx: RouteContext): RouteResult {
  const { world, account, body } = ctx;
  const invalid = validate('CreateEndpointRequest', body);
  if (invalid) return invalid;
  const req = body as Body;
  const templateId = (req.templateId as string | undefined) ?? null;
  const template = templateId === null ? undefined : account.templates.get(templateId);
  if (templateId !== null && !template) {
    return problem(404, `template not found: ${templateId}`);
  }
  if (req.cpu !== undefined) return problem(400, 'CPU endpoints are not simulated');
  const gpu = req.gpu as Body | undefined;
  if (!gpu) return problem(400, 'gpu is required');
  const workers = { min: 0, max: 3, idleTimeout: 10, ...(req.workers as Body | undefined) };
  const rec: EndpointRecord = {
    id: randomId(14),
    name: req.name as string,
    type: req.type as EndpointRecord['type'],
    templateId,
    // The spec (CreateEndpointRequest.templateId): the template is resolved at create time into
    // the endpoint's own container settings, body fields winning and `env` merged per key; later
    // template edits do not affect the endpoint.
    image: (req.image as string | undefined) ?? template?.image ?? null,
    env: { ...(template?.env ?? {}), ...((req.env as Record<string, string> | undefined) ?? {}) },
    gpu: {
      pools: gpu.pools as string[],
      ...(gpu.excludedTypes ? { excludedTypes: gpu.excludedTypes as string[] } : {}),
      count: (gpu.count as number | undefined) ?? 1,
      allowedCudaVersions: (gpu.allowedCudaVersions as string[] | undefined) ?? [],
      minCudaVersion: (gpu.minCudaVersion as string | undefined) ?? null,
    },
    workers: workers,
    scaling: req.scaling as Body,
    dataCenterIds: (req.dataCenterIds as string[] | undefined) ?? [],
    networkVolumes: (req.networkVolumes as string[] | undefined) ?? [],
    timeout: (req.timeout as number | undefined) ?? 300_000,
    flashboot: (req.flashboot as string | undefined) ?? 'OFF',
    createdAt: new Date().toISOString(),
    version: 1,
    jobStats: { completed: 0, failed: 0, retried: 0 },
    modelReferences: [],
    modelCacheReadyAtMs: null,
  };
  const rejected = checkEndpoint(rec);
  if (rejected) return rejected;
  if (
    world.options.refuseCreateWithoutCapacity &&
    rec.workers.min > 0 &&
    rec.gpu.pools.every((pool) => freeGpus(world, pool) < 1)
  ) {
    return problem(
      400,
      'There are no longer any instances available with the requested specifications. Please refresh and try again.',
    );
  }
  const endpoint = newEndpointState(world, account, rec);
  account.endpoints.set(rec.id, endpoint);
  reconcileAll(world);
  return { status: 201, body: endpointBody(world, endpoint) };
}

function getEndpoint({ world, account, params }: RouteContext): RouteResult {
  const endpoint = account.endpoints.get(params.id ?? '');
  return endpoint ? { status: 200, body: endpointBody(world, endpoint) } : notFound();
}

function updateEndpoint({ world, account, params, body }: RouteContext): RouteResult {
  const endpoint = account.endpoints.get(params.id ?? '');
  if (!endpoint) return notFound();
  const invalid = validate('UpdateEndpointRequest', body);
  if (invalid) return invalid;
  const req = body as Body;
  const next = structuredClone(endpoint.rec);
  if (typeof req.templateId === 'string') {
    // The spec (UpdateEndpointRequest.templateId): the template's container settings apply as if
    // sent in this body, `env` merged with the body's and replacing the endpoint's.
    const template = account.templates.get(req.templateId);
    if (!template) return problem(404, 'template not found');
    next.templateId = req.templateId;
    next.image = template.image;
    next.env = { ...template.env, ...((req.env as Record<string, string> | undefined) ?? {}) };
  }
  const gpu = req.gpu as Body | undefined;
  if (gpu?.pools) next.gpu.pools = gpu.pools as string[];
  if (gpu?.excludedTypes) next.gpu.excludedTypes = gpu.excludedTypes as string[];
  if (typeof gpu?.count === 'number') next.gpu.count = gpu.count;
  if (gpu?.allowedCudaVersions) next.gpu.allowedCudaVersions = gpu.allowedCudaVersions as string[];
  if (typeof gpu?.minCudaVersion === 'string') next.gpu.minCudaVersion = gpu.minCudaVersion || null;
  next.workers = { ...next.workers, ...(req.workers as Body | undefined) };
  for (const key of [
    'name',
    'scaling',
    'dataCenterIds',
    'networkVolumes',
    'timeout',
    'flashboot',
    'env',
    'image',
  ] as const) {
    if (req[key] !== undefined) (next as unknown as Body)[key] = req[key];
  }
  const rejected = checkEndpoint(next);
  if (rejected) return rejected;
  if (world.options.patchClearsModelReferences) {
    next.modelReferences = [];
    next.modelCacheReadyAtMs = null;
  }
  next.version += 1;
  endpoint.rec = next;
  reconcileAll(world);
  return { status: 200, body: endpointBody(world, endpoint) };
}

function deleteEndpoint({ world, account, params }: RouteContext): RouteResult {
  const endpoint = account.endpoints.get(params.id ?? '');
  if (!endpoint) return notFound();
  account.endpoints.delete(endpoint.rec.id);
  teardownEndpoint(world, endpoint);
  return { status: 204 };
}

function listWorkers({ account, params }: RouteContext): RouteResult {
  const endpoint = account.endpoints.get(params.id ?? '');
  return endpoint ? { status: 200, body: workersBody(endpoint) } : notFound();
}

/** Business rules the schema cannot express. */
function checkEndpoint(rec: EndpointRecord): RouteResult | null {
  const unknown = rec.gpu.pools.filter((p) => !findPool(p));
  if (unknown.length > 0) return problem(400, `Invalid GPU Pool ID: ${unknown.join(', ')}`);
  if (rec.workers.min > rec.workers.max) {
    return problem(400, 'workers.min must be less than or equal to workers.max');
  }
  return null;
}

function validate(schema: string, body: unknown): RouteResult | null {
  const errors = specValidator().validateSchema(schema, body);
  return errors.length > 0 ? problem(400, 'Request validation failed.', errors) : null;
}

function notFound(): RouteResult {
  return problem(404, 'endpoint not found');
}
