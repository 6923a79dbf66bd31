import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DATA_PLANE_ROUTES } from './data-plane-routes';
import { reconcileAll, teardownEndpoint } from './endpoint-scaler';
import { MANAGEMENT_ROUTES } from './management-routes';
import { GRAPHQL_ROUTES } from './graphql-routes';
import {
  DEFAULT_OPTIONS,
  type AccountSnapshot,
  type Plane,
  type RecordedCall,
  type RecordedResponse,
  type RunPodSimOptions,
} from './sim-types';
import { RUNPOD_KEY_PATTERN } from '@visgate/shared';
import {
  keySha256,
  loadWorld,
  restoreAccount,
  saveWorld,
  type StoredAccount,
} from './persist-world';
import { createPrng, type AccountState, type SimWorld } from './sim-world';
import { matchTemplate, problem, type RouteResult, type SimRoute } from './sim-route';
import { createTimerScope } from './timer-scope';

/** A running RunPod simulator: management API and endpoint data plane on one loopback port. */
export interface RunPodSim {
  /** Base URL for both `apiBaseUrl` (api.runpod.io) and `endpointBaseUrl` (api.runpod.ai). */
  readonly url: string;
  /** Every request answered, in order. */
  readonly calls: RecordedCall[];
  /** Every response sent, with its parsed body, for validating against the spec. */
  readonly responses: RecordedResponse[];
  /** Current switches (read-only view; change them with `set`). */
  readonly options: Readonly<RunPodSimOptions>;
  /** Registers an account; requests must carry `Authorization: Bearer <apiKey>`. */
  addAccount(apiKey: string): void;
  /** Deep copies of what the account holds now. Throws for an unknown key. */
  account(apiKey: string): AccountSnapshot;
  /** Changes switches at runtime; `capacity` replaces the whole map and re-places THROTTLED workers. */
  set(patch: Partial<RunPodSimOptions>): void;
  /**
   * Resolves with the first truthy value `probe` returns, checked now and after every state change
   * (no polling). Rejects after `timeoutMs` (default 5000) naming `what`.
   */
  waitFor<T>(
    probe: () => T | null | undefined | false,
    opts?: { timeoutMs?: number; what?: string },
  ): Promise<T>;
  /** Stops the server, every worker, timer and callback. */
  close(): Promise<void>;
}

const ROUTES: SimRoute[] = [...MANAGEMENT_ROUTES, ...GRAPHQL_ROUTES, ...DATA_PLANE_ROUTES];
const RESERVED_IDS = new Set(['serverless', 'templates', 'catalog']);
/**
 * Request body limits: `/run` 10 MB and `/runsync` 20 MB (docs serverless/endpoints/
 * operation-reference.mdx "Maximum payload size"); the management API is held to the `/run` limit.
 */
const MAX_RUN_BYTES = 10 * 1024 * 1024;
const MAX_RUNSYNC_BYTES = 20 * 1024 * 1024;

/** Starts the simulator on 127.0.0.1 with an ephemeral port. */
export async function startRunPodSim(options: Partial<RunPodSimOptions> = {}): Promise<RunPodSim> {
  const listeners = new Set<() => void>();
  const world: SimWorld = {
    options: { ...DEFAULT_OPTIONS, ...options },
    accounts: new Map(),
    scope: createTimerScope(),
    url: '',
    changed: () => {
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    realProcesses: new Set(),
  };
  let prng = createPrng(world.options.seed);
  const { stateFile } = world.options;
  /** Stored accounts not yet claimed by a request carrying their key (by key hash). */
  const stored = stateFile ? loadWorld(stateFile) : new Map<string, StoredAccount>();
  let saveTimer: NodeJS.Timeout | null = null;
  const save = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    if (stateFile) saveWorld(world, stateFile, stored.values());
  };
  if (stateFile) {
    // Debounced: every answered request and worker step signals a change.
    listeners.add(() => {
      saveTimer ??= setTimeout(save, 100);
    });
  }

  /** The caller's account: a known one, a stored one coming back, or (dev mode) a new one. */
  function accountFor(key: string): AccountState | undefined {
    const known = world.accounts.get(key);
    if (known) return known;
    const hash = keySha256(key);
    const kept = stored.get(hash);
    if (kept) {
      stored.delete(hash);
      const account = restoreAccount(world, key, kept);
      world.accounts.set(key, account);
      reconcileAll(world);
      return account;
    }
    if (world.options.acceptAnyKey && RUNPOD_KEY_PATTERN.test(key)) {
      const account = { apiKey: key, templates: new Map(), endpoints: new Map() };
      world.accounts.set(key, account);
      return account;
    }
    return undefined;
  }
  const calls: RecordedCall[] = [];
  const responses: RecordedResponse[] = [];
  const closers = new Set<(e: Error) => void>();

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const matched = matchRoute(path);
    const route = matched.find((m) => m.route.method === method);
    const limit =
      route?.route.template === '/v2/{endpointId}/runsync' ? MAX_RUNSYNC_BYTES : MAX_RUN_BYTES;
    const raw = await readBody(req, limit);
    if (world.options.latencyMs > 0) await world.scope.wait(world.options.latencyMs);

    const plane: Plane = matched[0]?.route.plane ?? planeOf(path);
    // REST takes a bearer token; GraphQL takes the same header (runpodctl internal/api/graphql.go) or
    // `?api_key=` (docs sdks/graphql/configurations.mdx), which our client never uses.
    const key =
      /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ??
      (path === '/graphql' ? (url.searchParams.get('api_key') ?? undefined) : undefined);
    const account = key === undefined ? undefined : accountFor(key);

    let result: RouteResult;
    if (raw === null) result = problem(413, 'request body too large');
    else if (key === undefined) result = problem(401, 'missing bearer token');
    else if (!account) result = problem(401, 'invalid bearer token');
    else result = await dispatch(route?.route, route?.params ?? {}, matched, account, url, raw);

    const record: RecordedResponse = {
      method,
      path,
      status: result.status,
      account: account ? account.apiKey : null,
      plane,
      route: route?.route.template ?? null,
      contentType: result.body === undefined ? null : contentType(result),
      body: result.body,
    };
    calls.push({ method, path, status: record.status, account: record.account, plane });
    responses.push(record);
    world.options.onResponse?.(record);
    // Every answered request may have changed state (a delete, a create): let waiters look again.
    world.changed();
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...result.headers };
    if (record.contentType) headers['content-type'] = record.contentType;
    res.writeHead(result.status, headers);
    res.end(result.body === undefined ? undefined : JSON.stringify(result.body));
  }

  async function dispatch(
    route: SimRoute | undefined,
    params: Record<string, string>,
    matched: { route: SimRoute }[],
    account: AccountState,
    url: URL,
    raw: string,
  ): Promise<RouteResult> {
    const draw = prng();
    if (draw < world.options.rate429) {
      const result = problem(429, 'rate limit exceeded for the minute window');
      return { ...result, headers: { 'retry-after': '1' } };
    }
    if (draw < world.options.rate429 + world.options.errorRate5xx) {
      return problem(500, 'internal server error');
    }
    if (!route) {
      if (matched.length === 0) return problem(404, 'resource not found');
      const allow = matched.map((m) => m.route.method).join(', ');
      return { ...problem(405, 'method not allowed'), headers: { allow } };
    }
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      return problem(400, 'request body is not valid JSON');
    }
    return route.handle({ world, account, params, query: url.searchParams, body });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  world.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: world.url,
    calls,
    responses,
    get options() {
      return world.options;
    },
    addAccount(apiKey) {
      if (!world.accounts.has(apiKey)) {
        world.accounts.set(apiKey, { apiKey, templates: new Map(), endpoints: new Map() });
      }
    },
    account(apiKey) {
      const account = world.accounts.get(apiKey);
      if (!account) throw new Error('unknown sim account');
      const endpoints = [...account.endpoints.values()];
      return structuredClone({
        templates: [...account.templates.values()],
        endpoints: endpoints.map((e) => e.rec),
        workers: endpoints.flatMap((e) => [...e.workers.values()].map((w) => w.rec)),
        jobs: endpoints.flatMap((e) => [...e.jobs.values()]),
      });
    },
    set(patch) {
      world.options = { ...world.options, ...patch };
      if (patch.seed !== undefined) prng = createPrng(patch.seed);
      reconcileAll(world);
      world.changed();
    },
    waitFor(probe, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 5_000;
      return new Promise((resolve, reject) => {
        const timer = world.scope.child();
        const finish = (fn: () => void) => {
          stop();
          timer.clear();
          closers.delete(fail);
          fn();
        };
        const fail = (e: Error) => {
          finish(() => {
            reject(e);
          });
        };
        const check = () => {
          const value = probe();
          if (value) {
            finish(() => {
              resolve(value);
            });
          }
        };
        const stop = world.subscribe(check);
        closers.add(fail);
        timer.after(timeoutMs, () => {
          fail(
            new Error(`sim.waitFor timed out after ${timeoutMs} ms: ${opts.what ?? 'condition'}`),
          );
        });
        check();
      });
    },
    async close() {
      save();
      for (const account of world.accounts.values()) {
        for (const endpoint of account.endpoints.values()) teardownEndpoint(world, endpoint);
      }
      world.scope.clear();
      await Promise.all([...world.realProcesses].map((p) => p.exited));
      for (const fail of [...closers]) fail(new Error('sim closed'));
      listeners.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function matchRoute(path: string): { route: SimRoute; params: Record<string, string> }[] {
  const found: { route: SimRoute; params: Record<string, string> }[] = [];
  for (const route of ROUTES) {
    const params = matchTemplate(route.template, path);
    if (!params) continue;
    if (params.endpointId !== undefined && RESERVED_IDS.has(params.endpointId)) continue;
    found.push({ route, params });
  }
  return found;
}

function planeOf(path: string): Plane {
  const first = path.split('/')[2] ?? '';
  return RESERVED_IDS.has(first) ? 'management' : 'data';
}

function contentType(result: RouteResult): string {
  return result.isProblem ? 'application/problem+json' : 'application/json';
}

/** The request body as text, or null when it exceeds the limit. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
