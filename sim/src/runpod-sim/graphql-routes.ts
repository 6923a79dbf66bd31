import { createHash } from 'node:crypto';
import { buildSchema, graphql, GraphQLError } from 'graphql';
import { findPool } from './gpu-catalog';
import { reconcileAll } from './endpoint-scaler';
import { MODEL_REFERENCE, type EndpointRecord } from './sim-types';
import type { AccountState, SimWorld } from './sim-world';
import { problem, type RouteContext, type RouteResult, type SimRoute } from './sim-route';

/**
 * The part of RunPod's GraphQL API (`POST https://api.runpod.io/graphql`) that REST v2 lacks:
 * cached models. `saveEndpoint(input: {id, …, modelReferences})` sets them on an existing endpoint
 * and `myself { endpoints { id modelReferences } }` reads them back (REST omits the field). Field
 * names and types follow runpodctl: `internal/api/endpoints.go` (`EndpointCreateGQLInput`,
 * `UpdateEndpointModels`, `NetworkVolumeIDInput`, `EndpointTemplateInput`) and `api/endpoint.go`;
 * its AGENTS.md notes `name` is `String!`, `flashBootType` an enum and `networkVolumeIds` a list of
 * `{networkVolumeId}` objects. Queries are parsed, validated and executed by graphql-js against
 * this schema, so a misspelt field fails as it would upstream.
 *
 * `saveEndpoint` is a full replace: runpodctl (`UpdateEndpointModels`) says "omitting fields would
 * reset them to server defaults", so every optional field left out is reset here. A reference's
 * revision is stored resolved to a commit sha (runpodctl `e2e/cli_test.go`,
 * `TestCLI_ServerlessCreateFromHubWithModel`: ":main" must come back as a sha), and a new reference
 * takes `cacheFillMs` to reach a host before workers start.
 */
const SDL = /* GraphQL */ `
  enum FlashBootType {
    OFF
    FLASHBOOT
  }

  input NetworkVolumeIdInput {
    networkVolumeId: String!
    dataCenterId: String
  }

  input EnvironmentVariableInput {
    key: String!
    value: String!
  }

  input EndpointTemplateInput {
    name: String!
    imageName: String
    containerDiskInGb: Int
    dockerArgs: String
    env: [EnvironmentVariableInput]
  }

  input EndpointInput {
    id: String
    name: String!
    hubReleaseId: String
    templateId: String
    template: EndpointTemplateInput
    gpuIds: String
    gpuCount: Int
    instanceIds: [String!]
    workersMin: Int
    workersMax: Int
    locations: String
    networkVolumeId: String
    networkVolumeIds: [NetworkVolumeIdInput!]
    idleTimeout: Int
    scalerType: String
    scalerValue: Int
    executionTimeoutMs: Int
    minCudaVersion: String
    flashBootType: FlashBootType
    modelReferences: [String!]
  }

  type NetworkVolumeId {
    networkVolumeId: String
    dataCenterId: String
  }

  type Endpoint {
    id: String!
    name: String
    templateId: String
    gpuIds: String
    gpuCount: Int
    instanceIds: [String!]
    computeType: String
    idleTimeout: Int
    locations: String
    networkVolumeId: String
    networkVolumeIds: [NetworkVolumeId!]
    scalerType: String
    scalerValue: Int
    workersMin: Int
    workersMax: Int
    workersStandby: Int
    executionTimeoutMs: Int
    minCudaVersion: String
    flashBootType: FlashBootType
    modelReferences: [String!]
    type: String
    userId: String
  }

  type User {
    id: String
    endpoints: [Endpoint]
    endpoint(id: String!): Endpoint
  }

  type Query {
    myself: User
  }

  type Mutation {
    saveEndpoint(input: EndpointInput!): Endpoint
  }
`;

const schema = buildSchema(SDL);

export const GRAPHQL_ROUTES: SimRoute[] = [
  { method: 'POST', template: '/graphql', plane: 'management', handle: handleGraphql },
];

interface GqlEndpointInput {
  id?: string | null;
  name: string;
  hubReleaseId?: string | null;
  templateId?: string | null;
  template?: {
    name: string;
    imageName?: string | null;
    containerDiskInGb?: number | null;
    dockerArgs?: string | null;
    env?: ({ key: string; value: string } | null)[] | null;
  } | null;
  gpuIds?: string | null;
  gpuCount?: number | null;
  instanceIds?: string[] | null;
  workersMin?: number | null;
  workersMax?: number | null;
  locations?: string | null;
  networkVolumeId?: string | null;
  networkVolumeIds?: { networkVolumeId: string; dataCenterId?: string | null }[] | null;
  idleTimeout?: number | null;
  scalerType?: string | null;
  scalerValue?: number | null;
  executionTimeoutMs?: number | null;
  minCudaVersion?: string | null;
  flashBootType?: 'OFF' | 'FLASHBOOT' | null;
  modelReferences?: string[] | null;
}

/**
 * What an omitted optional field becomes (runpodctl's flag defaults, cmd/serverless/create.go:
 * workers 0..3, gpu count 1; RunPod's documented 600 s execution timeout and 5 s idle timeout).
 */
const RESET = {
  gpuCount: 1,
  workersMin: 0,
  workersMax: 3,
  idleTimeout: 5,
  scalerType: 'QUEUE_DELAY',
  scalerValue: 4,
  executionTimeoutMs: 600_000,
  flashBootType: 'OFF',
} as const;

/**
 * A reference with its revision resolved to a 40-hex commit sha, as RunPod stores it. The
 * simulator has no Hub, so a branch or tag resolves to a stable sha derived from it.
 */
export function resolveModelReference(reference: string): string {
  const m = MODEL_REFERENCE.exec(reference);
  if (!m) return reference;
  const revision = m[2] ?? 'main';
  if (/^[0-9a-f]{40}$/.test(revision)) return reference;
  const sha = createHash('sha1').update(`${m[1]}@${revision}`).digest('hex');
  return `https://huggingface.co/${m[1]}:${sha}`;
}

async function handleGraphql({ world, account, body }: RouteContext): Promise<RouteResult> {
  const req = body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
  if (typeof req?.query !== 'string') {
    return problem(400, 'a GraphQL request needs a "query" string');
  }
  const variables =
    req.variables && typeof req.variables === 'object'
      ? (req.variables as Record<string, unknown>)
      : undefined;
  const root = rootFor(world, account);
  const result = await graphql({
    schema,
    source: req.query,
    rootValue: root,
    variableValues: variables,
    operationName: typeof req.operationName === 'string' ? req.operationName : undefined,
  });
  // GraphQL servers answer 200 with `errors` for resolver failures and 400 for documents that do
  // not parse or validate (no `data`).
  const status = result.errors && result.data === undefined ? 400 : 200;
  return { status, body: result };
}

function rootFor(world: SimWorld, account: AccountState) {
  const view = (rec: EndpointRecord) => ({
    id: rec.id,
    name: rec.name,
    templateId: rec.templateId,
    gpuIds: rec.gpu.pools.join(','),
    gpuCount: rec.gpu.count,
    instanceIds: [],
    computeType: 'GPU',
    idleTimeout: rec.workers.idleTimeout,
    locations: rec.dataCenterIds.join(',') || null,
    networkVolumeId: rec.networkVolumes[0] ?? null,
    networkVolumeIds: rec.networkVolumes.map((id) => ({ networkVolumeId: id, dataCenterId: null })),
    scalerType: rec.scaling.type ?? null,
    scalerValue: rec.scaling.queueDelay ?? rec.scaling.requestCount ?? null,
    workersMin: rec.workers.min,
    workersMax: rec.workers.max,
    workersStandby: 0,
    executionTimeoutMs: rec.timeout,
    minCudaVersion: rec.gpu.minCudaVersion,
    flashBootType: rec.flashboot === 'OFF' ? 'OFF' : 'FLASHBOOT',
    modelReferences: rec.modelReferences,
    type: rec.type,
    userId: account.apiKey.slice(0, 6),
  });
  return {
    myself: () => ({
      id: account.apiKey.slice(0, 6),
      endpoints: () => [...account.endpoints.values()].map((e) => view(e.rec)),
      endpoint: ({ id }: { id: string }) => {
        const e = account.endpoints.get(id);
        return e ? view(e.rec) : null;
      },
    }),
    saveEndpoint: ({ input }: { input: GqlEndpointInput }) => {
      if (!input.id) {
        throw new GraphQLError('the simulator implements saveEndpoint for updates (with id) only');
      }
      const endpoint = account.endpoints.get(input.id);
      if (!endpoint) throw new GraphQLError('Endpoint not found');
      if (input.name.trim().length < 3)
        throw new GraphQLError('name must be at least 3 characters');
      if (input.instanceIds && input.instanceIds.length > 0) {
        throw new GraphQLError('CPU endpoints are not simulated');
      }
      // A full replace: the endpoint is bound to the template sent (or an inline one), never kept.
      const templateId = input.templateId ?? null;
      const template = templateId === null ? undefined : account.templates.get(templateId);
      if (templateId !== null && !template) throw new GraphQLError('Template not found');
      if (!template && !input.template) {
        throw new GraphQLError('templateId or template is required');
      }
      if (!input.gpuIds) throw new GraphQLError('gpuIds is required for a GPU endpoint');
      const pools = input.gpuIds.split(',').map((p) => p.trim());
      if (pools.some((p) => !findPool(p))) throw new GraphQLError('Invalid GPU Pool ID');
      const given = input.modelReferences ?? [];
      const refused = world.options.modelReferenceError;
      if (given.length > 0 && refused !== null) throw new GraphQLError(refused);
      const bad = given.find((r) => !MODEL_REFERENCE.test(r));
      if (bad !== undefined) throw new GraphQLError(`Invalid model reference: ${bad}`);
      const refs = given.map(resolveModelReference);
      const min = input.workersMin ?? RESET.workersMin;
      const max = input.workersMax ?? RESET.workersMax;
      if (min > max) throw new GraphQLError('workersMin must be less than or equal to workersMax');
      const scalerType = input.scalerType ?? RESET.scalerType;
      const scalerValue = input.scalerValue ?? RESET.scalerValue;
      if (scalerValue < 1) throw new GraphQLError('scalerValue must be at least 1');
      const idleTimeout = input.idleTimeout ?? RESET.idleTimeout;
      if (idleTimeout < 1 || idleTimeout > 3600) {
        throw new GraphQLError('idleTimeout must be between 1 and 3600');
      }
      const volumes = [
        ...(input.networkVolumeId ? [input.networkVolumeId] : []),
        ...(input.networkVolumeIds ?? []).map((v) => v.networkVolumeId),
      ];
      const prev = endpoint.rec;
      const inline = input.template;
      const rebound = templateId !== prev.templateId || inline;
      const env = inline
        ? Object.fromEntries(
            (inline.env ?? []).flatMap((kv) => (kv ? [[kv.key, kv.value] as const] : [])),
          )
        : template && rebound
          ? { ...template.env }
          : prev.env;
      const sameRefs =
        refs.length === prev.modelReferences.length &&
        refs.every((r) => prev.modelReferences.includes(r));
      const next: EndpointRecord = {
        ...structuredClone(prev),
        name: input.name,
        templateId,
        image: inline?.imageName ?? (rebound ? (template?.image ?? null) : prev.image),
        env,
        gpu: {
          ...prev.gpu,
          pools,
          count: input.gpuCount ?? RESET.gpuCount,
          minCudaVersion: input.minCudaVersion || null,
        },
        workers: { min, max, idleTimeout },
        scaling:
          scalerType === 'REQUEST_COUNT'
            ? { type: scalerType, requestCount: scalerValue }
            : { type: 'QUEUE_DELAY', queueDelay: scalerValue },
        dataCenterIds: input.locations
          ? input.locations
              .split(',')
              .map((l) => l.trim())
              .filter(Boolean)
          : [],
        networkVolumes: volumes,
        timeout: input.executionTimeoutMs ?? RESET.executionTimeoutMs,
        flashboot: input.flashBootType ?? RESET.flashBootType,
        modelReferences: refs,
        modelCacheReadyAtMs:
          refs.length === 0
            ? null
            : sameRefs
              ? prev.modelCacheReadyAtMs
              : Date.now() + world.options.cacheFillMs,
        version: prev.version + 1,
      };
      endpoint.rec = next;
      if (next.modelCacheReadyAtMs !== null && next.modelCacheReadyAtMs > Date.now()) {
        // Workers waiting on the fill start when it ends.
        endpoint.scope.after(next.modelCacheReadyAtMs - Date.now(), () => {
          reconcileAll(world);
          world.changed();
        });
      }
      reconcileAll(world);
      return view(next);
    },
  };
}
