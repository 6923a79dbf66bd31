import type { Job } from '@visgate/shared';
import type { JobStore } from '../../src/ports';

/** A job document for store tests; override any field. */
export function aJob(over: Partial<Job> = {}): Job {
  const at = '2026-11-27T12:00:00.000Z';
  return {
    job_id: 'job_contract00000000000000000',
    owner_hash: 'owner-a',
    deployment_id: 'dpl_contract0000000000000000a',
    endpoint_id: 'ep1',
    runpod_job_id: 'rp-1',
    status: 'queued',
    runpod_status: 'IN_QUEUE',
    input: { prompt: 'a cat', num_images: 1 },
    policy: { execution_timeout_s: null, ttl_s: null },
    output: null,
    error: null,
    timings: { queue_s: null, execution_s: null, completed_at: null },
    cost: { price_per_hour_usd: 0.576, estimated_usd: null },
    webhook: null,
    created_at: at,
    updated_at: at,
    version: 0,
    ...over,
  };
}

/** The JobStore contract, run against every implementation (embedded, Firestore on the emulator). */
export function jobStoreContract(name: string, make: () => Promise<JobStore> | JobStore): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStore;
    beforeEach(async () => {
      store = await make();
    });

    it('returns what was created, null for an unknown id, and refuses a second create', async () => {
      const job = aJob({ job_id: 'job_contractaaaaaaaaaaaaaaaaa' });
      await store.create(job);
      expect(await store.get(job.job_id)).toEqual(job);
      expect(await store.get('job_missing')).toBeNull();
      await expect(store.create(job)).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('mutates atomically, bumping the version, and leaves the job alone when fn declines', async () => {
      const job = aJob({ job_id: 'job_contractbbbbbbbbbbbbbbbbb' });
      await store.create(job);
      const written = await store.mutate(job.job_id, (j) => ({ ...j, status: 'running' }));
      expect(written).toMatchObject({ status: 'running', version: 1 });
      expect(await store.mutate(job.job_id, () => null)).toBeNull();
      expect(await store.get(job.job_id)).toMatchObject({ status: 'running', version: 1 });
      expect(await store.mutate('job_missing', (j) => j)).toBeNull();
    });

    it("lists one owner's jobs of one deployment, newest first, page by page", async () => {
      const mine = ['a', 'b', 'c', 'd', 'e'].map((c, i) =>
        aJob({
          job_id: `job_contractlist${c.repeat(12)}`,
          created_at: `2026-11-27T12:00:0${i}.000Z`,
        }),
      );
      const others = [
        aJob({ job_id: 'job_contractotherownerxxxxxxx', owner_hash: 'owner-b' }),
        aJob({ job_id: 'job_contractotherdeplxxxxxxxx', deployment_id: 'dpl_other' }),
      ];
      for (const j of [...mine, ...others]) await store.create(j);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await store.list({
          ownerHash: 'owner-a',
          deploymentId: 'dpl_contract0000000000000000a',
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.docs.map((d) => d.job_id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(mine.map((j) => j.job_id).reverse());
      const running = await store.list({
        ownerHash: 'owner-a',
        deploymentId: 'dpl_contract0000000000000000a',
        status: 'running',
        limit: 10,
      });
      expect(running.docs).toEqual([]);
    });

    it('rejects a cursor it did not issue with VALIDATION_FAILED', async () => {
      await expect(
        store.list({ ownerHash: 'o', deploymentId: 'd', limit: 1, cursor: 'not-a-cursor' }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });
}
