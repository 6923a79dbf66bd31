import {
  CreateJobBodySchema,
  hasInlineOutput,
  jobCostUsd,
  jobStatusFromRunPod,
  jobWebhookEvent,
  jobWebhookMessageId,
  storableJobInput,
  summarizeJobOutput,
} from './job';
import { JobInputSchema } from '../job/job-input';

describe('jobStatusFromRunPod', () => {
  it.each([
    ['IN_QUEUE', 'queued'],
    ['IN_PROGRESS', 'running'],
    ['RUNNING', 'running'],
    ['COMPLETED', 'completed'],
    ['FAILED', 'failed'],
    ['CANCELLED', 'cancelled'],
    ['TIMED_OUT', 'timed_out'],
    ['SOMETHING_NEW', 'running'],
  ])('maps %s to %s', (runpod, ours) => {
    expect(jobStatusFromRunPod(runpod)).toBe(ours);
  });
});

describe('job webhooks', () => {
  it('sends one event per terminal status with a retry-stable id free of dots', () => {
    expect(jobWebhookEvent('running')).toBeNull();
    expect(jobWebhookEvent('timed_out')).toBe('job.timed_out');
    expect(jobWebhookMessageId('job_abc', 'job.completed')).toBe('msg_job_abc_completed');
    expect(() => jobWebhookMessageId('job.x', 'job.failed')).toThrow();
  });
});

describe('jobCostUsd', () => {
  it('charges execution seconds at the price per second', () => {
    expect(jobCostUsd(3600_000, 0.576)).toBe(0.576);
    expect(jobCostUsd(2500, 0.72)).toBe(0.0005);
  });
});

describe('summarizeJobOutput', () => {
  it('keeps image facts and URLs but never the base64', () => {
    const out = summarizeJobOutput({
      images: [
        { base64: 'QUJD', content_type: 'image/png', width: 64, height: 64, seed: 1 },
        { url: 'https://bucket/x.png', content_type: 'image/png', width: 8, height: 8, seed: 2 },
      ],
      timings: { inference_s: 1.5 },
    });
    expect(JSON.stringify(out)).not.toContain('QUJD');
    expect(out.images[0]).toMatchObject({ base64_length: 4, url: null, seed: 1 });
    expect(out.images[1]).toMatchObject({ base64_length: null, url: 'https://bucket/x.png' });
    expect(out.inference_s).toBe(1.5);
  });

  it('keeps a video’s facts without its base64, and says what a video job still holds on RunPod', () => {
    const out = summarizeJobOutput({
      video: { content_type: 'video/mp4', frames: 9, fps: 8, duration_s: 1.125, base64: 'AAAA' },
      timings: { inference_s: 2 },
    });
    expect(JSON.stringify(out)).not.toContain('AAAA');
    expect(out.video).toMatchObject({ frames: 9, fps: 8, duration_s: 1.125, base64_length: 4 });
    expect(hasInlineOutput(out)).toBe(true);
    expect(hasInlineOutput(summarizeJobOutput({ video: { url: 'https://b/x.mp4' } }))).toBe(false);
    expect(hasInlineOutput(summarizeJobOutput({ images: [{ base64: 'QQ==' }] }))).toBe(true);
    expect(hasInlineOutput(null)).toBe(false);
  });

  it('keeps only the known fields of an adapter report', () => {
    const out = summarizeJobOutput({
      images: [],
      loras: [{ name: 'a', source: 'elsewhere', scale: 'x', cache_hit: 1, load_s: 0.5, key: 's' }],
    });
    expect(out.loras).toEqual([
      { name: 'a', source: null, scale: null, cache_hit: null, load_s: 0.5 },
    ]);
  });

  it('gives no images for an output that is not our worker’s shape', () => {
    expect(summarizeJobOutput('text')).toEqual({ images: [], inference_s: null });
  });
});

describe('CreateJobBodySchema and storableJobInput', () => {
  it('fills the worker defaults and drops presigned upload URLs from what is stored', () => {
    const body = CreateJobBodySchema.parse({
      input: { prompt: 'x', output: { type: 's3', put_urls: ['https://b/x?sig=secret'] } },
    });
    expect(body.input).toMatchObject({ num_images: 1 });
    expect(JSON.stringify(storableJobInput(body.input))).not.toContain('sig=secret');
    expect(storableJobInput(JobInputSchema.parse({ prompt: 'y' }))).toMatchObject({ prompt: 'y' });
  });

  it('keeps input images and adapter URLs only as a description: no pixels, no signatures', () => {
    const pixels = 'iVBORw0KGgo'.repeat(1000);
    const stored = storableJobInput(
      JobInputSchema.parse({
        prompt: 'x',
        image: `data:image/png;base64,${pixels}`,
        mask: 'https://img.example/mask.png?X-Amz-Signature=secret',
        loras: [{ url: 'https://files.example/a.safetensors?token=secret', scale: 0.5 }],
      }),
    );
    expect(stored.image).toBe(`base64 (${pixels.length + 22} characters)`);
    expect(stored.mask).toBe('https://img.example/mask.png');
    expect(stored.loras).toEqual([{ url: 'https://files.example/a.safetensors', scale: 0.5 }]);
    expect(JSON.stringify(stored)).not.toContain('secret');
  });

  it('rejects unknown fields and out-of-range policies', () => {
    expect(CreateJobBodySchema.safeParse({ input: { prompt: 'x' }, extra: 1 }).success).toBe(false);
    expect(CreateJobBodySchema.safeParse({ input: { prompt: 'x' }, ttl_s: 5 }).success).toBe(false);
  });
});
