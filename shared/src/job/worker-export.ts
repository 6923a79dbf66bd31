import { z } from 'zod';
import { FAMILY_DEFAULTS, MODEL_FAMILIES } from '../memory/estimate-vram';
import { WorkerEventSchema } from '../schemas/worker-event';
import { jobInputJsonSchema } from './job-input';

/** Where the Python worker keeps the exports, relative to the repository root. */
export const WORKER_SCHEMA_DIR = 'worker/src/visgate_worker/schemas';

/**
 * The files the Python worker reads instead of restating TypeScript rules: the job input's JSON
 * Schema, the per-family defaults and limits, and the JSON Schema of the events it posts to
 * `workerEvents` (its tests check every event they see against it). `worker/scripts/export-schemas.ts` writes them;
 * a jest test fails when the committed copies differ.
 */
export function workerSchemaFiles(): Record<string, string> {
  const render = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  const families = Object.fromEntries(MODEL_FAMILIES.map((f) => [f, FAMILY_DEFAULTS[f]]));
  return {
    'job_input.schema.json': render(jobInputJsonSchema()),
    'families.json': render(families),
    'worker_event.schema.json': render(z.toJSONSchema(WorkerEventSchema, { io: 'input' })),
  };
}
