import { buildSchema, graphql, GraphQLError } from 'graphql';
import { findPool } from './gpu-catalog';
import { reconcileAll } from './endpoint-scaler';
import type { EndpointRecord } from './sim-types';
import type { AccountState, SimWorld } from './sim-world';
import { problem, type RouteContext, type RouteResult, type SimRoute } from './sim-route';

/**
 * The part of RunPod's GraphQL API (`POST https://api.runpod.io/graphql`) that REST v2 lacks:
 * cached models. `saveEndpoint(input: {id, …, modelReferences})` sets them on an existing endpoint
 * and `myself { endpoint(id) { modelReferences } }` reads them back (REST omits the field). Field
 * names follow RunPod's GraphQL docs (`sdks/graphql/manage-endpoints`) and runpodctl's
 * `api/endpoint.go` / `api/modelStatus.go`. Queries are parsed, validated and executed by
 * graphql-js against this schema, so a misspelt field fails as it would upstream.
 *
 * How the real service treats optional fields omitted from an update is not documented; the
 * simulator takes the pessimistic reading and resets them to their defaults, so a caller must send
 * everything it means to keep.
 */
const SDL = /* GraphQL */ `
  enum FlashBootType {
    OFF
    FLASHBOOT
  }

  input EndpointInput {
    id: String
    name: String!
    templateId: String!
    gpuIds: String!
    gpuCount: Int
    idleTimeout: Int
    locations: String
    networkVolumeId: String
    scalerType: String
    scalerValue: Int
    workersMin: Int
    workersMax: Int
    flashBootType: FlashBootType
    modelReferences: [String!]
  }

  type Endpoint {
    id: String!
    name: String
    templateId: String
    gpuIds: String
    gpuCount: Int
    idleTimeout: Int
    locations: String
    scalerType: String
    scalerValue: Int
    workersMin: Int
    workersMax: Int
    workersStandby: Int
    flashBootType: FlashBootType
    modelReferences: [String!]
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

/** `https://huggingface.co/<org>/<name>[:<revision>]`, the form RunPod's console and runpodctl use. */
export const MODEL_REFERENCE = /^https:\/\/huggingface\.co\/([\w.-]+\/[\w.-]+)(?::([\w.-]+))?$/;

export const GRAPHQL_ROUTES: SimRoute[] = [
  { method: 'POST', template: '/graphql', plane: 'management', handle: handleGraphql },
];

interface GqlEndpointInput {
  id?: string | null;
  name: string;
  templateId: string;
  gpuIds: string;
  gpuCount?: number | null;
  idleTimeout?: number | null;
  locations?: string | null;
  networkVolumeId?: string | null;
  scalerType?: string | null;
  scalerValue?: number | null;
  workersMin?: number | null;
  workersMax?: number | null;
  flashBootType?: 'OFF' | 'FLASHBOOT' | null;
  modelReferences?: string[] | null;
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
    idleTimeout: rec.workers.idleTimeout,
    locations: rec.dataCenterIds.join(',') || null,
    scalerType: rec.scaling.type ?? null,
    scalerValue: rec.scaling.queueDelay ?? rec.scaling.requestCount ?? null,
    workersMin: rec.workers.min,
    workersMax: rec.workers.max,
    workersStandby: 0,
    flashBootType: rec.flashboot === 'OFF' ? 'OFF' : 'FLASHBOOT',
    modelReferences: rec.modelReferences,
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
      if (!account.templates.has(input.templateId)) throw new GraphQLError('Template not found');
      const pools = input.gpuIds.split(',').map((p) => p.trim());
      if (pools.some((p) => !findPool(p))) throw new GraphQLError('Invalid GPU Pool ID');
      const refs = input.modelReferences ?? [];
      const refused = world.options.modelReferenceError;
      if (refs.length > 0 && refused !== null) throw new GraphQLError(refused);
      const bad = refs.find((r) => !MODEL_REFERENCE.test(r));
      if (bad !== undefined) throw new GraphQLError(`Invalid model reference: ${bad}`);
      const min = input.workersMin ?? 0;
      const max = input.workersMax ?? 3;
      if (min > max) throw new GraphQLError('workersMin must be less than or equal to workersMax');
      const scalerType = input.scalerType ?? 'QUEUE_DELAY';
      const next: EndpointRecord = {
        ...structuredClone(endpoint.rec),
        name: input.name,
        templateId: input.templateId,
        gpu: { ...endpoint.rec.gpu, pools, count: input.gpuCount ?? 1 },
        workers: { min, max, idleTimeout: input.idleTimeout ?? 5 },
        scaling:
          scalerType === 'REQUEST_COUNT'
            ? { type: scalerType, requestCount: input.scalerValue ?? 4 }
            : { type: 'QUEUE_DELAY', queueDelay: input.scalerValue ?? 4 },
        dataCenterIds: input.locations ? input.locations.split(',') : [],
        flashboot: input.flashBootType ?? 'OFF',
        modelReferences: refs,
        version: endpoint.rec.version + 1,
      };
      endpoint.rec = next;
      reconcileAll(world);
      return view(next);
    },
  };
}
