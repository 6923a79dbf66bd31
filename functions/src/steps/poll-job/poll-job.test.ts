import { summarizeJobOutput, type Job } from '@visgate/shared';
import {
  applyRunPodStatus,
  jobError,
  jobHintToken,
  refreshJob,
  type RefreshJobDeps,
} from './poll-job';

const at = new Date('2026-11-27T12:00:00Z');

function aJob(over: Partial<Job> = {}): Job {
  return {
    job_id: 'job_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    owner_hash: 'o',
    deployment_id: 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    endpoint_id: 'ep1',
    runpod_job_id: 'rp-1',
    status: 'queued',
    runpod_status: 'IN_QUEUE',
    input: { prompt: 'x' },
    policy: { execution_timeout_s: null, ttl_s: null },
    output: null,
    error: null,
    timings: { queue_s: null, execution_s: null, completed_at: null },
    cost: { price_per_hour_usd: 0.72, estimated_usd: null },
    webhook: { url_host: 'example.com', deliveries: [] },
    created_at: at.toISOString(),
    updated_at: at.toISOString(),
    version: 1,
    ...over,
  };
}

describe('applyRunPodStatus', () => {
  it('records a completion with timings, cost and one pending webhook delivery', () => {
    const next = applyRunPodStatus(
      aJob(),
      {
        id: 'rp-1',
        status: 'COMPLETED',
        delayTime: 1500,
        executionTime: 2500,
        output: { images: [{ base64: 'QUJD', width: 8, height: 8 }] },
      },
      at,
      0.72,
    );
    expect(next).toMatchObject({
      status: 'completed',
      timings: { queue_s: 1.5, execution_s: 2.5, completed_at: at.toISOString() },
      cost: { estimated_usd: 0.0005 },
      error: null,
    });
    expect(next.output?.images[0]?.base64_length).toBe(4);
    expect(next.webhook?.deliveries.map((d) => [d.event, d.id, d.status])).toEqual([
      ['job.completed', 'msg_job_aaaaaaaaaaaaaaaaaaaaaaaaaa_completed', 'pending'],
    ]);
  });

  it('leaves a terminal job as it is (a late or duplicate read changes nothing)', () => {
    const done = aJob({ status: 'cancelled' });
    expect(applyRunPodStatus(done, { id: 'rp-1', status: 'COMPLETED' }, at, 1)).toBe(done);
  });

  it('names a timeout TIMED_OUT and adds no delivery while the job still runs', () => {
    const running = applyRunPodStatus(aJob(), { id: 'rp-1', status: 'IN_PROGRESS' }, at, 1);
    expect(running.webhook?.deliveries).toEqual([]);
    const out = applyRunPodStatus(
      running,
      { id: 'rp-1', status: 'TIMED_OUT', error: 'job timed out' },
      at,
      1,
    );
    expect(out.error).toEqual({ code: 'TIMED_OUT', message: 'job timed out' });
  });
});

describe('refreshJob with the output', () => {
  const reading = (output: unknown) => {
    const reads: string[] = [];
    const deps = {
      secrets: { get: () => Promise.resolve({ runpodApiKey: 'rpa_K' }) },
      runpod: {
        jobStatus: (_key: string, _endpoint: string, id: string) => {
          reads.push(id);
          return Promise.resolve({ id, status: 'COMPLETED', output });
        },
      },
      clock: { now: () => at },
    } as unknown as RefreshJobDeps;
    return { deps, reads };
  };

  it.each([
    ['an image job', { images: [{ base64: 'QUJD' }] }],
    ['a video job', { video: { content_type: 'video/mp4', frames: 9, base64: 'AAAA' } }],
  ])(
    're-reads %s whose base64 only RunPod holds and returns it as RunPod does',
    async (_what, output) => {
      const { deps, reads } = reading(output);
      const done = aJob({ status: 'completed', output: summarizeJobOutput(output) });
      const { job, liveOutput } = await refreshJob(deps, done, { withOutput: true });
      expect([job, liveOutput, reads]).toEqual([done, output, ['rp-1']]);
    },
  );

  it('does not call RunPod for a video uploaded to s3 (nothing to read back)', async () => {
    const output = { video: { content_type: 'video/mp4', url: 'https://b/clip.mp4' } };
    const { deps, reads } = reading(output);
    const done = aJob({ status: 'completed', output: summarizeJobOutput(output) });
    expect((await refreshJob(deps, done, { withOutput: true })).liveOutput).toBeUndefined();
    expect(reads).toEqual([]);
  });
});

describe('jobError', () => {
  it.each([
    [
      '{"code":"CUDA_OOM","message":"out of memory"}',
      { code: 'CUDA_OOM', message: 'out of memory' },
    ],
    [
      { code: 'BAD', message: 'm' },
      { code: 'BAD', message: 'm' },
    ],
    ['plain text', { code: 'WORKER_ERROR', message: 'plain text' }],
    [undefined, { code: 'WORKER_ERROR', message: 'the job ended without an error message' }],
  ])('reads %j', (raw, expected) => {
    expect(jobError(raw, 'WORKER_ERROR')).toEqual(expected);
  });
});

describe('jobHintToken', () => {
  it('differs per job and per pepper', () => {
    expect(jobHintToken('p', 'job_a')).not.toBe(jobHintToken('p', 'job_b'));
    expect(jobHintToken('p', 'job_a')).not.toBe(jobHintToken('q', 'job_a'));
    expect(jobHintToken('p', 'job_a')).toMatch(/^[0-9a-f]{64}$/);
  });
});
