import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EndpointRecord, JobRecord, TemplateRecord } from './sim-types';
import { newEndpointState, type AccountState, type SimWorld } from './sim-world';

/**
 * The simulator's accounts on disk, for `npm run dev`: RunPod keeps a user's templates, endpoints
 * and job results whatever happens to our server, so a dev server restarted in the middle of a
 * deployment must find them again. Workers are not kept: after a restart each endpoint starts its
 * workers again (a host restart on RunPod), and a job that was IN_PROGRESS goes back IN_QUEUE
 * (RunPod retries a job whose worker went away: `jobStats.retried`).
 *
 * Accounts are filed under the SHA-256 of their key, never the key itself (a developer may paste a
 * real key into the dev server); the account comes back when a request carries that key.
 */
export interface StoredAccount {
  keySha256: string;
  templates: TemplateRecord[];
  endpoints: { rec: EndpointRecord; jobs: JobRecord[] }[];
}

export const keySha256 = (apiKey: string): string =>
  createHash('sha256').update(apiKey).digest('hex');

/**
 * Writes every account atomically (temp file + rename), readable by the owner only: the live ones
 * and those still waiting for a request with their key (`unclaimed`).
 */
export function saveWorld(world: SimWorld, file: string, unclaimed: Iterable<StoredAccount>): void {
  const live: StoredAccount[] = [...world.accounts.values()].map((a) => ({
    keySha256: keySha256(a.apiKey),
    templates: [...a.templates.values()],
    endpoints: [...a.endpoints.values()]
      .filter((e) => !e.deleted)
      .map((e) => ({ rec: e.rec, jobs: [...e.jobs.values()] })),
  }));
  const accounts = [...live, ...unclaimed];
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, accounts }), { mode: 0o600 });
  renameSync(tmp, file);
}

/** The stored accounts by key hash; none when the file does not exist yet. */
export function loadWorld(file: string): Map<string, StoredAccount> {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const parsed = JSON.parse(raw) as { version: number; accounts: StoredAccount[] };
  if (parsed.version !== 1) throw new Error(`${file}: unknown simulator state version`);
  return new Map(parsed.accounts.map((a) => [a.keySha256, a]));
}

/** Rebuilds an account from its stored form; the caller reconciles so its workers start again. */
export function restoreAccount(
  world: SimWorld,
  apiKey: string,
  stored: StoredAccount,
): AccountState {
  const account: AccountState = { apiKey, templates: new Map(), endpoints: new Map() };
  for (const t of stored.templates) account.templates.set(t.id, t);
  for (const { rec, jobs } of stored.endpoints) {
    const endpoint = newEndpointState(world, account, rec);
    for (const job of jobs) {
      if (job.status === 'IN_PROGRESS') {
        job.status = 'IN_QUEUE';
        job.workerId = null;
        job.startedAtMs = null;
        rec.jobStats.retried += 1;
      }
      endpoint.jobs.set(job.id, job);
      if (job.status === 'IN_QUEUE') endpoint.queue.push(job.id);
    }
    account.endpoints.set(rec.id, endpoint);
  }
  return account;
}
