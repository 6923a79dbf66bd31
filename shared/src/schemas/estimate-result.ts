import { z } from 'zod';
import {
  DeploymentLoraSchema,
  EstimateSchema,
  MemoryPlanSchema,
  SkippedPoolSchema,
} from './deployment';
import { TaskSchema } from './create-deployment';

/**
 * The answer of `POST /v1/estimates`: what a deployment of this body would get, created nowhere.
 * One definition for the API (its OpenAPI document), the CLI's `estimate` and the console's form.
 */
export const EstimateResultSchema = z.strictObject({
  hf_model_id: z.string(),
  revision_sha: z.string(),
  pipeline: z.string(),
  task: TaskSchema,
  loras: z.array(DeploymentLoraSchema),
  model: z.strictObject({
    gated: z.union([z.literal(false), z.literal('auto'), z.literal('manual')]),
    private: z.boolean(),
    total_file_bytes: z.int().min(0),
  }),
  estimate: EstimateSchema,
  gpu: z.strictObject({
    pool: z.string(),
    fallback_pools: z.array(z.string()),
    price_per_hour_usd: z.number(),
    usable_vram_bytes: z.int(),
    skipped: z.array(SkippedPoolSchema),
    /** How the worker will place the model on that pool (tiling/offload let a cheaper pool fit). */
    memory_plan: MemoryPlanSchema,
  }),
  catalog: z.enum(['live', 'static']),
});
export type EstimateResult = z.infer<typeof EstimateResultSchema>;
