import { z } from 'zod';
import { int, num, str } from './read-untyped';

/**
 * What we keep of a video job's MP4 and of the adapters a job used: facts and URLs, never the
 * bytes (base64 is read back from RunPod while it keeps it, like images).
 */

/** One MP4 (H.264, yuv420p) as the worker describes it; `url` for s3 output, else base64 length. */
export const JobVideoSummarySchema = z.object({
  content_type: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  frames: z.int().nullable(),
  fps: z.number().nullable(),
  duration_s: z.number().nullable(),
  seed: z.number().nullable(),
  /** Download URL when the worker uploaded the video (s3 output); null for base64 output. */
  url: z.string().nullable(),
  /** Length of the base64 text RunPod holds for this video, when it returned one. */
  base64_length: z.int().nullable(),
});
export type JobVideoSummary = z.infer<typeof JobVideoSummarySchema>;

/** One adapter the job ran with: the deployment's own or one the request named. */
export const JobLoraReportSchema = z.object({
  name: z.string().nullable(),
  source: z.enum(['deployment', 'request']).nullable(),
  scale: z.number().nullable(),
  /** True when the adapter came from the worker's disk cache (no download). */
  cache_hit: z.boolean().nullable(),
  /** Seconds to fetch (on a miss) and load the adapter onto the warm model. */
  load_s: z.number().nullable(),
});
export type JobLoraReport = z.infer<typeof JobLoraReportSchema>;

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The worker's `video` object without its base64; null when the output has none. */
export function summarizeVideo(raw: unknown): JobVideoSummary | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const v = record(raw);
  const b64 = str(v.base64);
  return {
    content_type: str(v.content_type),
    width: num(v.width),
    height: num(v.height),
    frames: int(v.frames),
    fps: num(v.fps),
    duration_s: num(v.duration_s),
    seed: num(v.seed),
    url: str(v.url),
    base64_length: b64 === null ? null : b64.length,
  };
}

/** The worker's `loras` report (at most five request adapters plus five of the deployment's). */
export function summarizeLoras(raw: unknown): JobLoraReport[] | null {
  if (!Array.isArray(raw)) return null;
  return raw.slice(0, 10).map((entry) => {
    const l = record(entry);
    return {
      name: str(l.name),
      source: l.source === 'deployment' || l.source === 'request' ? l.source : null,
      scale: num(l.scale),
      cache_hit: typeof l.cache_hit === 'boolean' ? l.cache_hit : null,
      load_s: num(l.load_s),
    };
  });
}
