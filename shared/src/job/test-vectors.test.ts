import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { familyOf, inferenceDefaults, type ModelFamily } from '../memory/estimate-vram';
import { JobImageSummarySchema, summarizeJobOutput } from '../schemas/job';
import { JobLoraReportSchema, JobVideoSummarySchema } from '../schemas/job-output-summary';
import { JobInputSchema } from './job-input';

/** The vectors pytest runs too (worker/tests/test_shared_vectors.py). */
const vectors = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'test-vectors', name), 'utf8')) as {
    vectors: Record<string, unknown>[];
  };

describe('shared job-input vectors', () => {
  const cases = vectors('job-input.json').vectors as {
    name: string;
    input: unknown;
    valid: boolean;
  }[];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(JobInputSchema.safeParse(c.input).success).toBe(c.valid);
  });
});

describe('shared model-family vectors', () => {
  const cases = vectors('model-families.json').vectors as {
    pipeline_class: string | null;
    model_id: string;
    text_encoder_params?: number;
    family: ModelFamily;
    defaults: { resolution: number; steps: number; guidance: number };
  }[];
  it.each(cases.map((c) => [c.pipeline_class, c.model_id, c] as const))('%s %s', (_cls, _id, c) => {
    expect(familyOf(c.pipeline_class, c.model_id, c.text_encoder_params)).toBe(c.family);
    expect(inferenceDefaults(c.family, c.model_id)).toEqual(c.defaults);
  });
});

describe('shared job-output vectors', () => {
  const cases = vectors('job-output.json').vectors as {
    name: string;
    output: unknown;
    summary: { images: unknown[]; inference_s: number | null };
  }[];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const summary = summarizeJobOutput(c.output);
    expect(summary).toEqual(c.summary);
    for (const image of summary.images)
      expect(JobImageSummarySchema.strict().parse(image)).toEqual(image);
    if (summary.video !== undefined)
      expect(JobVideoSummarySchema.strict().parse(summary.video)).toEqual(summary.video);
    for (const lora of summary.loras ?? [])
      expect(JobLoraReportSchema.strict().parse(lora)).toEqual(lora);
  });
});
