import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aDeployment } from '@visgate/shared/testing';
import { loadConfig } from '../config';
import { createMemoryLogger } from '../adapters/log/json-logger';
import { withLocalKeys } from '../local/local-keys';
import { buildEmbeddedSystem } from './embedded';

// `npm start` remembers: a restart of the local server keeps every deployment, its sealed
// secrets and the work it had scheduled, so no endpoint it made is forgotten while it bills.

const dir = mkdtempSync(join(tmpdir(), 'visgate-state-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function start(statePath: string) {
  const env = withLocalKeys({ LOCAL_STATE_PATH: statePath, LOG_LEVEL: 'silent' }, statePath);
  return buildEmbeddedSystem(loadConfig(env), { log: createMemoryLogger('silent') });
}

describe('local mode on LOCAL_STATE_PATH', () => {
  it('keeps deployments, secrets and scheduled tasks across a restart', async () => {
    const path = join(dir, 'restart', 'local.db');
    const first = start(path);
    const doc = aDeployment({ status: 'ready', endpoint_id: 'ep_1' });
    await first.store.create(doc);
    await first.secrets.put(doc.deployment_id, {
      runpodApiKey: 'rpa_TESTRESTART',
      hfToken: null,
      webhookUrl: null,
      webhookSecret: null,
      eventsToken: 'evt',
      cache: null,
    });
    // The settle step, due in an hour: the process stops before it runs.
    await first.tasks.enqueue({
      queue: 'deployment-settle',
      name: `settle-${doc.deployment_id}`,
      payload: { deployment_id: doc.deployment_id },
      delayMs: 3_600_000,
    });
    first.close();

    const second = start(path);
    expect(await second.store.get(doc.deployment_id)).toMatchObject({
      status: 'ready',
      endpoint_id: 'ep_1',
    });
    // Same key file: the sealed secrets still open.
    expect((await second.secrets.get(doc.deployment_id))?.runpodApiKey).toBe('rpa_TESTRESTART');
    expect(second.resumedTasks).toBe(1);
    second.close();
  });

  it('makes the pepper and key once, owner-only, and never overrides given ones', () => {
    const path = join(dir, 'keys', 'local.db');
    const a = withLocalKeys({}, path);
    const b = withLocalKeys({}, path);
    expect(a.OWNER_PEPPER).toBe(b.OWNER_PEPPER);
    expect(a.SECRETS_KEY).toBe(b.SECRETS_KEY);
    expect(statSync(`${path}.keys.json`).mode & 0o777).toBe(0o600);
    const given = withLocalKeys({ OWNER_PEPPER: 'p'.repeat(32) }, path);
    expect(given.OWNER_PEPPER).toBe('p'.repeat(32));
    expect(given.SECRETS_KEY).toBe(a.SECRETS_KEY);
  });

  it('stays in memory without a path', () => {
    const sys = buildEmbeddedSystem(loadConfig({ LOG_LEVEL: 'silent' }), {
      log: createMemoryLogger('silent'),
    });
    expect(sys.resumedTasks).toBe(0);
    sys.close();
  });
});
