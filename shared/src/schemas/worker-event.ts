import { z } from 'zod';

const seconds = z
  .number()
  .nonnegative()
  .max(86_400 * 7)
  .nullable()
  .optional();

/** What our worker POSTs to `workerEvents` (API.md "Worker contract"). Unknown fields are ignored. */
export const WorkerEventSchema = z.object({
  type: z.enum(['downloading', 'loading', 'warming_up', 'ready', 'failed']),
  at: z.iso.datetime({ offset: true }).optional(),
  worker_id: z.string().max(128).nullable().optional(),
  source: z.string().max(64).nullable().optional(),
  bytes_done: z.number().int().nonnegative().nullable().optional(),
  bytes_total: z.number().int().nonnegative().nullable().optional(),
  throughput_bytes_per_s: z.number().nonnegative().nullable().optional(),
  timings: z
    .object({ fetch_s: seconds, load_s: seconds, warmup_s: seconds })
    .partial()
    .nullable()
    .optional(),
  peak_vram_bytes: z.number().int().nonnegative().nullable().optional(),
  error: z
    .object({ code: z.string().max(64), message: z.string().max(2000) })
    .nullable()
    .optional(),
});
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
