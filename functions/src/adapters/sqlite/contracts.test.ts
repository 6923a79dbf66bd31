import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Deployment, Job } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { deploymentStoreContract } from '../../../test-support/contracts/deployment-store.contract';
import { idempotencyStoreContract } from '../../../test-support/contracts/idempotency-store.contract';
import { aJob, jobStoreContract } from '../../../test-support/contracts/job-store.contract';
import { secretStoreContract } from '../../../test-support/contracts/secret-store.contract';
import { createSecretBox } from '../crypto/secret-box';
import { createEmbeddedDocumentStore } from '../embedded/document-store';
import { createEmbeddedIdempotencyStore, type IdempotencyRow } from '../embedded/idempotency-store';
import { createEmbeddedJobStore } from '../embedded/job-store';
import { createEmbeddedSecretStore } from '../embedded/secret-store';
import { openLocalDatabase, sqliteTable } from './local-database';

// The embedded stores on a local database file: the same contract suites that hold the in-memory
// and Firestore adapters, plus what the file is for — a restart remembers.

const dir = mkdtempSync(join(tmpdir(), 'visgate-sqlite-'));
const open: DatabaseSync[] = [];
let n = 0;
const freshDb = (): DatabaseSync => {
  const db = openLocalDatabase(join(dir, `state-${n++}.db`));
  open.push(db);
  return db;
};
afterAll(() => {
  for (const db of open) if (db.isOpen) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const KEY = Buffer.alloc(32, 7);

deploymentStoreContract('local database', () =>
  createEmbeddedDocumentStore(sqliteTable<Deployment>(freshDb(), 'deployments')),
);
jobStoreContract('local database', () =>
  createEmbeddedJobStore(sqliteTable<Job>(freshDb(), 'jobs')),
);
secretStoreContract('local database', () => {
  const store = createEmbeddedSecretStore(
    createSecretBox(KEY),
    sqliteTable<string>(freshDb(), 'deployment_secrets'),
  );
  return Promise.resolve({
    store,
    sealed: (id) => Promise.resolve(store.sealed().get(id) ?? null),
  });
});
idempotencyStoreContract('local database', (clock) =>
  createEmbeddedIdempotencyStore(clock, sqliteTable<IdempotencyRow>(freshDb(), 'idempotency')),
);

describe('the local database file', () => {
  const stores = (db: DatabaseSync) => ({
    deployments: createEmbeddedDocumentStore(sqliteTable<Deployment>(db, 'deployments')),
    jobs: createEmbeddedJobStore(sqliteTable<Job>(db, 'jobs')),
    secrets: createEmbeddedSecretStore(
      createSecretBox(KEY),
      sqliteTable<string>(db, 'deployment_secrets'),
    ),
    idempotency: createEmbeddedIdempotencyStore(
      { now: () => new Date('2026-11-30T12:00:00Z') },
      sqliteTable<IdempotencyRow>(db, 'idempotency'),
    ),
  });

  it('keeps every deployment, job, secret and idempotency record across a restart', async () => {
    const path = join(dir, 'restart.db');
    const first = openLocalDatabase(path);
    const before = stores(first);
    const doc = aDeployment({ status: 'provisioning' });
    await before.deployments.create(doc);
    await before.deployments.mutate(doc.deployment_id, (d) => ({ ...d, endpoint_id: 'ep1' }));
    await before.jobs.create(aJob({ job_id: 'job_restart', deployment_id: doc.deployment_id }));
    await before.secrets.put(doc.deployment_id, {
      runpodApiKey: 'rpa_TESTKEY',
      hfToken: null,
      webhookUrl: null,
      webhookSecret: null,
      eventsToken: 'evt',
      cache: null,
    });
    await before.idempotency.put(
      'owner:key',
      { requestHash: 'h', status: 202, body: { id: doc.deployment_id }, createdAt: doc.created_at },
      60_000,
    );
    first.close();

    const after = stores(openLocalDatabase(path));
    expect(await after.deployments.get(doc.deployment_id)).toMatchObject({
      status: 'provisioning',
      endpoint_id: 'ep1',
      version: doc.version + 1,
    });
    expect((await after.jobs.get('job_restart'))?.deployment_id).toBe(doc.deployment_id);
    expect((await after.secrets.get(doc.deployment_id))?.runpodApiKey).toBe('rpa_TESTKEY');
    expect((await after.idempotency.get('owner:key'))?.body).toEqual({ id: doc.deployment_id });
    // The reaper's view after a restart: in-flight deployments are found again.
    expect(await after.deployments.scan({ statuses: ['provisioning'], limit: 10 })).toHaveLength(1);
  });

  it('holds secrets sealed and is readable by its owner only', async () => {
    const path = join(dir, 'sealed.db');
    const db = openLocalDatabase(path);
    const s = stores(db);
    await s.secrets.put('dpl_x', {
      runpodApiKey: 'rpa_SECRETVALUE',
      hfToken: 'hf_SECRETTOKEN',
      webhookUrl: null,
      webhookSecret: null,
      eventsToken: null,
      cache: null,
    });
    const raw = JSON.stringify(db.prepare('SELECT body FROM deployment_secrets').all());
    expect(raw).not.toContain('rpa_SECRETVALUE');
    expect(raw).not.toContain('hf_SECRETTOKEN');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
