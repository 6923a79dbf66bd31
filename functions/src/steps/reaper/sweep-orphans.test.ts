import { AppError, type Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { createEmbeddedDocumentStore } from '../../adapters/embedded/document-store';
import { anEndpointSpec, createFakeRunPodApi } from '../../../test-support/fake-runpod-api';
import { createMemoryPorts, heldSecrets } from '../../../test-support/memory-ports';
import { accountKeys, sweepAccount } from './sweep-orphans';

const KEY = 'rpa_test';
const LIVE = 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const GONE = 'dpl_bbbbbbbbbbbbbbbbbbbbbbbbbb';
/** An account with a ready deployment, a duplicate of its endpoint, an orphan pair, and the user's own. */
async function world() {
  const rp = createFakeRunPodApi();
  const runpod = rp.api;
  const store = createEmbeddedDocumentStore();
  const tpl = (name: string) =>
    runpod.createTemplate(KEY, { name, image: 'x', diskGb: 20, env: {} });
  const ep = (name: string, templateId: string, workersMax: number) =>
    runpod.createEndpoint(KEY, anEndpointSpec(name, templateId, { workersMax }));
  const liveTpl = await tpl(`visgate-${LIVE}`);
  const liveEp = await ep(`visgate-${LIVE}`, liveTpl.id, 3);
  const dupEp = await ep(`visgate-${LIVE}`, liveTpl.id, 2);
  const goneTpl = await tpl(`visgate-${GONE}`);
  const goneEp = await ep(`visgate-${GONE}`, goneTpl.id, 1);
  const ownTpl = await tpl('my-template');
  const ownEp = await ep('my-endpoint', ownTpl.id, 4);
  await store.create(
    aDeployment({
      deployment_id: LIVE,
      status: 'ready',
      endpoint_id: liveEp.id,
      template_id: liveTpl.id,
    }),
  );
  rp.calls.length = 0;
  const ids = { liveTpl, liveEp, dupEp, goneTpl, goneEp, ownTpl, ownEp };
  return { rp, runpod, store, ids, recorded: new Set([liveTpl.id]) };
}

const ids = (rp: ReturnType<typeof createFakeRunPodApi>) => ({
  endpoints: [...rp.endpoints.keys()].sort(),
  templates: [...rp.templates.keys()].sort(),
});

describe('sweepAccount', () => {
  it("deletes orphan endpoints and templates, keeping the live deployment's and the user's own", async () => {
    const { rp, runpod, store, ids: r, recorded } = await world();
    expect(await sweepAccount({ runpod, store }, KEY, recorded)).toEqual({
      endpoints: 2,
      templates: 1,
    });
    expect(ids(rp)).toEqual({
      endpoints: [r.liveEp.id, r.ownEp.id].sort(),
      templates: [r.liveTpl.id, r.ownTpl.id].sort(),
    });
  });

  it('scales an orphan endpoint to zero before deleting it, as RunPod requires', async () => {
    const { rp, runpod, store, ids: r, recorded } = await world();
    await sweepAccount({ runpod, store }, KEY, recorded);
    const touching = rp.calls.filter((c) => c.includes(r.dupEp.id));
    expect(touching).toEqual([
      `updateEndpoint ${r.dupEp.id} {"workersMin":0,"workersMax":0}`,
      `deleteEndpoint ${r.dupEp.id}`,
    ]);
  });

  it('never deletes a template a live deployment recorded, even when its document cannot be read', async () => {
    const { rp, runpod, ids: r, recorded } = await world();
    const empty = createEmbeddedDocumentStore(); // as if the document were not there
    await sweepAccount({ runpod, store: empty }, KEY, recorded);
    expect(ids(rp).templates).toContain(r.liveTpl.id);
  });

  it('skips an account whose listing fails (a revoked key, an outage) until the next cycle', async () => {
    const { rp, runpod, store, recorded } = await world();
    const before = ids(rp);
    rp.fail('listTemplates', new AppError('RUNPOD_AUTH', 'revoked'));
    expect(await sweepAccount({ runpod, store }, KEY, recorded)).toEqual({
      endpoints: 0,
      templates: 0,
    });
    expect(ids(rp)).toEqual(before);
  });

  it('leaves a template RunPod refuses to delete for the next cycle, without counting it', async () => {
    const { rp, runpod, store, ids: r, recorded } = await world();
    rp.fail('deleteTemplate', new AppError('UPSTREAM_UNAVAILABLE', 'busy'));
    expect(await sweepAccount({ runpod, store }, KEY, recorded)).toEqual({
      endpoints: 2,
      templates: 0,
    });
    expect(ids(rp).templates).toContain(r.goneTpl.id);
  });

  it('counts an endpoint another cycle deleted first as swept, and goes on', async () => {
    const { rp, runpod, store, recorded } = await world();
    rp.fail('updateEndpoint', new AppError('NOT_FOUND', 'gone'));
    expect(await sweepAccount({ runpod, store }, KEY, recorded)).toEqual({
      endpoints: 2,
      templates: 1,
    });
  });

  it('lets any other failure to delete an endpoint fail the cycle (the scheduler runs the next)', async () => {
    const { rp, runpod, store, recorded } = await world();
    rp.fail('deleteEndpoint', new AppError('UPSTREAM_UNAVAILABLE', 'outage'));
    await expect(sweepAccount({ runpod, store }, KEY, recorded)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
  });
});

describe('accountKeys', () => {
  it('holds one key per owner, from deployments whose secrets are still held', async () => {
    const { secrets } = createMemoryPorts(new Date());
    const doc = (id: string, owner: string, purged = false): Deployment => {
      const d = aDeployment({ deployment_id: id, owner_hash: owner });
      return { ...d, runtime: { ...d.runtime, secrets_purged: purged } };
    };
    const docs = [
      doc(LIVE, 'alice'),
      doc(GONE, 'alice'),
      doc('dpl_cccccccccccccccccccccccccc', 'bob', true),
    ];
    await secrets.put(LIVE, heldSecrets('alice-1'));
    await secrets.put(GONE, heldSecrets('alice-2'));
    await secrets.put('dpl_cccccccccccccccccccccccccc', heldSecrets('bob-1'));
    expect(await accountKeys({ secrets }, docs)).toEqual(['alice-2']);
  });
});
