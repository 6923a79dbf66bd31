import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { modelInfo, pathsInfo, treeListing } from './api-responses';
import { createPrng, DEFAULT_SWITCHES, pickFault, type HfSimSwitches } from './fault-plan';
import { FIXTURES } from './fixtures';
import type { RepoFixture } from './repo-fixture';
import { serveFile } from './serve-file';
import { buildVirtualRepo, type VirtualRepo } from './virtual-repo';

/** What a token's owner may do beyond reading public, ungated repos. */
export interface HfSimUser {
  /** Repo ids whose gate (licence) this user accepted. */
  canAccessGated: string[];
  /** Private repo ids this user can read. */
  canSeePrivate: string[];
}

export type HfSimRequestKind =
  'model-info' | 'tree' | 'paths-info' | 'auth-check' | 'resolve' | 'raw' | 'other';

/** One request as the simulator saw it, for assertions. */
export interface HfSimRequest {
  method: string;
  /** Decoded path, without the query string. */
  path: string;
  query: string;
  kind: HfSimRequestKind;
  repoId: string | null;
  /** The revision named in the URL (model info, tree, paths-info, resolve), else null. */
  revision: string | null;
  /** File path for resolve/raw. */
  filePath: string | null;
  range: string | null;
  hasAuth: boolean;
  /** Final status, set when the answer is sent. */
  status: number | null;
  /** Body bytes the answer promised (0 for HEAD and errors). */
  bodyBytes: number;
}

export interface HfSimOptions extends Partial<HfSimSwitches> {
  /** Seed of the PRNG behind errorRate5xx and rate429. Default 1. */
  seed?: number;
  /** Repos to serve; defaults to FIXTURES. */
  fixtures?: readonly RepoFixture[];
}

export interface HfSim {
  /** Base URL, e.g. `http://127.0.0.1:41234`: pass it as `hubUrl`. */
  url: string;
  /** Every request received, oldest first. */
  requests: HfSimRequest[];
  set(patch: Partial<HfSimSwitches>): void;
  addToken(token: string, user: Partial<HfSimUser>): void;
  /** Adds or replaces a repo (for odd cases: pickle-only weights, corrupt headers). */
  addRepo(fixture: RepoFixture): void;
  /** The served form of a repo (file sizes, oids), or undefined. */
  repo(id: string): VirtualRepo | undefined;
  clearRequests(): void;
  /** Stops the server and drops open connections; leaves no handles behind. */
  close(): Promise<void>;
}

type Outcome = { status: number; code: string | null; message: string };

const repoNotFound = (authed: boolean): Outcome => ({
  status: authed ? 404 : 401,
  code: 'RepoNotFound',
  message: 'Repository not found',
});

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    })
    .end(text);
}

function sendError(res: ServerResponse, o: Outcome, headers: Record<string, string> = {}): void {
  const h = o.code ? { 'X-Error-Code': o.code, 'X-Error-Message': o.message, ...headers } : headers;
  sendJson(res, o.status, { error: o.message }, h);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function classify(segments: string[]): Pick<
  HfSimRequest,
  'kind' | 'repoId' | 'revision' | 'filePath'
> & {
  treePath: string;
} {
  const none = {
    kind: 'other' as const,
    repoId: null,
    revision: null,
    filePath: null,
    treePath: '',
  };
  if (segments[0] === 'api' && segments[1] === 'models' && segments.length >= 4) {
    const repoId = `${segments[2]}/${segments[3]}`;
    const [op, rev, ...rest] = segments.slice(4);
    if (op === undefined) return { ...none, kind: 'model-info', repoId, revision: 'main' };
    if (op === 'revision' && rev)
      return { ...none, kind: 'model-info', repoId, revision: [rev, ...rest].join('/') };
    if (op === 'tree' && rev)
      return { ...none, kind: 'tree', repoId, revision: rev, treePath: rest.join('/') };
    if (op === 'paths-info' && rev) return { ...none, kind: 'paths-info', repoId, revision: rev };
    if (op === 'auth-check') return { ...none, kind: 'auth-check', repoId };
    return none;
  }
  if ((segments[2] === 'resolve' || segments[2] === 'raw') && segments.length >= 5) {
    return {
      ...none,
      kind: segments[2],
      repoId: `${segments[0]}/${segments[1]}`,
      revision: segments[3] ?? null,
      filePath: segments.slice(4).join('/'),
    };
  }
  return none;
}

/** Starts the Hugging Face Hub simulator on 127.0.0.1 on a free port. */
export async function startHfSim(options: HfSimOptions = {}): Promise<HfSim> {
  const { seed = 1, fixtures = FIXTURES, ...switchPatch } = options;
  const switches: HfSimSwitches = { ...DEFAULT_SWITCHES, ...switchPatch };
  const random = createPrng(seed);
  const repos = new Map<string, VirtualRepo>();
  for (const f of fixtures) repos.set(f.id, buildVirtualRepo(f));
  const users = new Map<string, HfSimUser>();
  const requests: HfSimRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const resolveRevision = (repo: VirtualRepo, rev: string): string | null => {
    const f = repo.fixture;
    if (rev === 'main' || rev === 'HEAD' || rev === f.sha || (f.refs ?? []).includes(rev))
      return f.sha;
    return null;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const route = classify(segments);
    const auth = req.headers.authorization;
    const entry: HfSimRequest = {
      method: req.method ?? 'GET',
      path: segments.length ? `/${segments.join('/')}` : '/',
      query: url.search,
      kind: route.kind,
      repoId: route.repoId,
      revision: route.revision,
      filePath: route.filePath,
      range: req.headers.range ?? null,
      hasAuth: auth !== undefined,
      status: null,
      bodyBytes: 0,
    };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));

    if (switches.latencyMs > 0) await delay(switches.latencyMs);
    if (closed) return;
    const fault = pickFault(switches, random);
    if (fault === 429) {
      sendError(
        res,
        { status: 429, code: null, message: 'Too Many Requests' },
        { 'Retry-After': '1' },
      );
      return;
    }
    if (fault !== null) {
      sendError(res, { status: fault, code: null, message: 'Service Unavailable' });
      return;
    }

    let user: HfSimUser | null = null;
    if (auth !== undefined) {
      const token = /^Bearer (.+)$/.exec(auth)?.[1];
      user = token === undefined ? null : (users.get(token) ?? null);
      if (!user) {
        sendError(res, {
          status: 401,
          code: null,
          message: 'Invalid credentials in Authorization header',
        });
        return;
      }
    }
    if (route.kind === 'other' || !route.repoId) {
      sendError(res, { status: 404, code: null, message: 'Not Found' });
      return;
    }

    const repo = repos.get(route.repoId);
    const f = repo?.fixture;
    if (!repo || !f || (f.private && !user?.canSeePrivate.includes(f.id))) {
      sendError(res, repoNotFound(user !== null));
      return;
    }
    const isFileRoute =
      route.kind === 'resolve' || route.kind === 'raw' || route.kind === 'auth-check';
    if (isFileRoute && f.gated && !user?.canAccessGated.includes(f.id)) {
      const message = user
        ? `Access to model ${f.id} is restricted and you are not in the authorized list. Visit https://huggingface.co/${f.id} to ask for access.`
        : `Access to model ${f.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
      sendError(res, { status: user ? 403 : 401, code: 'GatedRepo', message });
      return;
    }
    if (route.kind === 'auth-check') {
      sendJson(res, 200, {});
      return;
    }
    const sha = resolveRevision(repo, route.revision ?? 'main');
    if (sha === null) {
      sendError(res, {
        status: 404,
        code: 'RevisionNotFound',
        message: `Invalid rev id: ${route.revision ?? ''}`,
      });
      return;
    }

    switch (route.kind) {
      case 'model-info': {
        const expand = [
          ...url.searchParams.getAll('expand'),
          ...url.searchParams.getAll('expand[]'),
        ];
        sendJson(res, 200, modelInfo(repo, expand));
        return;
      }
      case 'tree': {
        const listing = treeListing(
          repo,
          route.treePath,
          url.searchParams.get('recursive') === 'true',
        );
        if (!listing) {
          sendError(res, {
            status: 404,
            code: 'EntryNotFound',
            message: `${route.treePath} does not exist on "${route.revision ?? ''}"`,
          });
          return;
        }
        sendJson(res, 200, listing);
        return;
      }
      case 'paths-info': {
        const body = JSON.parse((await readBody(req)) || '{}') as { paths?: string[] };
        sendJson(res, 200, pathsInfo(repo, body.paths ?? []));
        return;
      }
      case 'resolve':
      case 'raw': {
        const file = repo.files.get(route.filePath ?? '');
        if (!file) {
          sendError(res, { status: 404, code: 'EntryNotFound', message: 'Entry not found' });
          return;
        }
        entry.bodyBytes = serveFile(res, file, {
          method: entry.method,
          rangeHeader: req.headers.range,
          commit: sha,
          raw: route.kind === 'raw',
          maxResponseBytes: switches.maxResponseBytes,
        });
        return;
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendError(res, { status: 500, code: null, message: `hf-sim bug: ${String(err)}` });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    set: (patch) => Object.assign(switches, patch),
    addToken: (token, user) =>
      users.set(token, {
        canAccessGated: user.canAccessGated ?? [],
        canSeePrivate: user.canSeePrivate ?? [],
      }),
    addRepo: (fixture) => repos.set(fixture.id, buildVirtualRepo(fixture)),
    repo: (id) => repos.get(id),
    clearRequests: () => requests.splice(0, requests.length),
    close: async () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        }),
      );
    },
  };
}
