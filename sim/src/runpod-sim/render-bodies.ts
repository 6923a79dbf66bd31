import type { EndpointState, SimWorld } from './sim-world';

/**
 * The spec's `Endpoint` body for an endpoint (requestUrls point at the simulator's data plane):
 * exactly the fields the schema declares. There is no `templateId` (the template was copied into
 * the endpoint at creation) and no `modelReferences` (GraphQL only).
 */
export function endpointBody(world: SimWorld, endpoint: EndpointState): Record<string, unknown> {
  const e = endpoint.rec;
  const image = e.image;
  const base = `${world.url}/v2/${e.id}`;
  const requestUrls =
    e.type === 'QUEUE'
      ? {
          run: `${base}/run`,
          runSync: `${base}/runsync`,
          status: `${base}/status`,
          stream: `${base}/stream`,
          cancel: `${base}/cancel`,
          retry: `${base}/retry`,
          purgeQueue: `${base}/purge-queue`,
          health: `${base}/health`,
        }
      : { base, health: `${base}/ping` };
  return {
    id: e.id,
    name: e.name,
    type: e.type,
    ...(image ? { image } : {}),
    env: e.env,
    requestUrls,
    gpu: e.gpu,
    workers: e.workers,
    scaling: e.scaling,
    dataCenterIds: e.dataCenterIds,
    networkVolumes: e.networkVolumes,
    timeout: e.timeout,
    flashboot: e.flashboot,
    createdAt: e.createdAt,
  };
}

/** The spec's `ListEndpointWorkersResponse` body. */
export function workersBody(endpoint: EndpointState): Record<string, unknown> {
  const now = Date.now();
  const workers = [...endpoint.workers.values()].map(({ rec: w }) => ({
    id: w.id,
    status: w.status,
    isStale: false,
    version: endpoint.rec.version,
    gpuCount: endpoint.rec.gpu.count,
    image: endpointImage(endpoint),
    uptimeSeconds: w.startedAt ? Math.floor((now - Date.parse(w.startedAt)) / 1000) : null,
    gpuTypeId: w.gpuTypeId,
    dataCenterId: w.dataCenterId,
    startedAt: w.startedAt,
  }));
  const count = (s: string) => workers.filter((w) => w.status === s).length;
  return {
    workers,
    summary: {
      running: count('RUNNING'),
      idle: count('IDLE'),
      initializing: count('INITIALIZING'),
      throttled: count('THROTTLED'),
      unhealthy: count('UNHEALTHY'),
      total: workers.length,
    },
    endpointVersion: endpoint.rec.version,
  };
}

/** The data plane's `/health` body. `ready` counts workers that can take a job now or run one. */
export function healthBody(endpoint: EndpointState): Record<string, unknown> {
  const jobs = [...endpoint.jobs.values()];
  const workers = [...endpoint.workers.values()].map((w) => w.rec.status);
  const count = (s: string) => workers.filter((w) => w === s).length;
  return {
    jobs: {
      completed: endpoint.rec.jobStats.completed,
      failed: endpoint.rec.jobStats.failed,
      inProgress: jobs.filter((j) => j.status === 'IN_PROGRESS').length,
      inQueue: jobs.filter((j) => j.status === 'IN_QUEUE').length,
      retried: endpoint.rec.jobStats.retried,
    },
    workers: {
      idle: count('IDLE'),
      initializing: count('INITIALIZING'),
      ready: count('IDLE') + count('RUNNING'),
      running: count('RUNNING'),
      throttled: count('THROTTLED'),
      unhealthy: count('UNHEALTHY'),
    },
  };
}

function endpointImage(endpoint: EndpointState): string | null {
  return endpoint.rec.image;
}
