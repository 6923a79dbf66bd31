import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { intFlag, positional, stringFlag } from '../args';
import { printJson, type Ctx } from '../context';
import { CliError, EXIT } from '../errors';
import { sleep } from '../follow';
import { imageInfo } from '../image-size';
import { jobInputFlags } from '../job-input-flags';
import { createProgress, seconds, usd } from '../render';
import { resolveDeploymentId } from '../resolve-id';

interface JobImage {
  base64?: string;
  url?: string | null;
  content_type?: string | null;
  seed?: number | null;
}

interface JobVideo extends JobImage {
  width?: number | null;
  height?: number | null;
  frames?: number | null;
  fps?: number | null;
  duration_s?: number | null;
}

interface JobView {
  job_id: string;
  status: string;
  output: { images: JobImage[]; video?: JobVideo; seed?: number | null } | null;
  output_expired?: boolean;
  error: { code: string; message: string } | null;
  timings: { queue_s: number | null; execution_s: number | null };
  cost: { estimated_usd: number | null };
}

const TERMINAL = ['completed', 'failed', 'cancelled', 'timed_out'];

function formatOf(file: string): 'png' | 'jpeg' | 'webp' | 'mp4' {
  const ext = extname(file).toLowerCase();
  if (ext === '.mp4') return 'mp4';
  return ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : 'png';
}

/** `out.png` for the first image, `out-2.png`, `out-3.png` … for the next ones. */
export function imagePath(file: string, index: number): string {
  if (index === 0) return file;
  const ext = extname(file);
  return `${file.slice(0, file.length - ext.length)}-${index + 1}${ext}`;
}

async function imageBytes(image: JobImage, expired: boolean, what = 'image'): Promise<Buffer> {
  if (image.base64) return Buffer.from(image.base64, 'base64');
  if (image.url) {
    const res = await fetch(image.url);
    if (!res.ok) throw new CliError(`could not download the ${what} (HTTP ${res.status})`);
    return Buffer.from(await res.arrayBuffer());
  }
  throw new CliError(
    expired
      ? `the ${what} has expired (RunPod keeps base64 results about 30 minutes)`
      : `the job returned no ${what} data`,
  );
}

/**
 * `visgate run <deployment> "<prompt>" [-o out.png|out.mp4] [--steps N] [--seed N] [--width N]
 * [--height N] [--negative TEXT] [--timeout S] [--image F|URL [--mask F|URL] [--strength S]]
 * [--frames N] [--fps N] [--lora SPEC]…`: submits a job, shows its status until it ends, writes
 * the image(s) or the MP4 the worker returned, and describes each file from its own header.
 */
export async function run(ctx: Ctx): Promise<number> {
  const deploymentId = await resolveDeploymentId(ctx, positional(ctx.positionals, 0, 'deployment'));
  const prompt = positional(ctx.positionals, 1, 'prompt');
  const file = stringFlag(ctx.flags, 'output') ?? 'out.png';
  const format = formatOf(file);
  const input: Record<string, unknown> = { prompt, output_format: format };
  const numeric = [
    ['steps', 'num_inference_steps'],
    ['seed', 'seed'],
    ['width', 'width'],
    ['height', 'height'],
  ] as const;
  for (const [flag, field] of numeric) {
    const v = intFlag(ctx.flags, flag);
    if (v !== undefined) input[field] = v;
  }
  const negative = stringFlag(ctx.flags, 'negative');
  if (negative !== undefined) input.negative_prompt = negative;
  Object.assign(input, await jobInputFlags(ctx.flags, format));
  const body: Record<string, unknown> = { input };
  const timeout = intFlag(ctx.flags, 'timeout');
  if (timeout !== undefined) body.execution_timeout_s = timeout;

  const started = Date.now();
  let job = await ctx.client.request<JobView>(
    'POST',
    `/v1/deployments/${encodeURIComponent(deploymentId)}/jobs`,
    body,
  );
  const progress = createProgress(ctx.stderr, { tickMs: ctx.stderr.isTTY ? 1000 : 0 });
  const undo = ctx.onInterrupt(() => {
    progress.stop();
    ctx.stderr.write(
      `visgate: stopped waiting for ${job.job_id}; the job goes on.\n  cancel it:  visgate jobs cancel ${job.job_id}\n`,
    );
    process.exit(EXIT.interrupted);
  });
  try {
    for (;;) {
      const line = `${job.job_id}  ${job.status.padEnd(9)}`;
      progress.update((now) => `${line} ${seconds(now - started)}`, job.status);
      if (TERMINAL.includes(job.status)) break;
      await sleep(Math.min(ctx.config.pollMs, 500));
      job = await ctx.client.request<JobView>('GET', `/v1/jobs/${encodeURIComponent(job.job_id)}`);
    }
  } finally {
    undo();
  }
  progress.finish();
  if (job.status !== 'completed') {
    if (ctx.flags.json) printJson(ctx, job);
    throw new CliError(
      `job ${job.job_id} ${job.status}${job.error ? `: ${job.error.code}: ${job.error.message}` : ''}`,
      EXIT.ended,
    );
  }
  if (format === 'mp4') return writeVideo(ctx, job, file, started);
  const images = job.output?.images ?? [];
  if (images.length === 0) throw new CliError(`job ${job.job_id} completed without an image`);
  const written: {
    file: string;
    format: string | null;
    width: number | null;
    height: number | null;
    seed: number | null;
  }[] = [];
  for (const [i, image] of images.entries()) {
    const target = imagePath(file, i);
    const bytes = await imageBytes(image, job.output_expired === true);
    await writeFile(target, bytes);
    const info = imageInfo(bytes);
    written.push({
      file: target,
      format: info?.format ?? null,
      width: info?.width ?? null,
      height: info?.height ?? null,
      seed: image.seed ?? job.output?.seed ?? null,
    });
  }
  const cost = job.cost.estimated_usd !== null ? `, ~${usd(job.cost.estimated_usd)}` : '';
  if (ctx.flags.json) {
    const { output: _output, ...rest } = job;
    printJson(ctx, { ...rest, files: written });
    return EXIT.ok;
  }
  const described = written.map((w) => {
    const size = w.width !== null ? ` ${w.width}x${w.height}` : '';
    return `${w.file}${size}${w.seed !== null ? ` seed ${w.seed}` : ''}`;
  });
  ctx.stdout.write(`wrote ${described.join(', ')} (${seconds(Date.now() - started)}${cost})\n`);
  return EXIT.ok;
}

/** Writes a video job's MP4 and describes it by the worker's facts (frames, fps, duration). */
async function writeVideo(ctx: Ctx, job: JobView, file: string, started: number): Promise<number> {
  const video = job.output?.video;
  if (!video) throw new CliError(`job ${job.job_id} completed without a video`);
  const bytes = await imageBytes(video, job.output_expired === true, 'video');
  if (bytes.toString('latin1', 4, 8) !== 'ftyp')
    throw new CliError(`job ${job.job_id} returned a video that is not an MP4`);
  await writeFile(file, bytes);
  const facts = {
    file,
    format: 'mp4',
    width: video.width ?? null,
    height: video.height ?? null,
    frames: video.frames ?? null,
    fps: video.fps ?? null,
    duration_s: video.duration_s ?? null,
    seed: video.seed ?? null,
  };
  if (ctx.flags.json) {
    const { output: _output, ...rest } = job;
    printJson(ctx, { ...rest, files: [facts] });
    return EXIT.ok;
  }
  const size = facts.width !== null ? ` ${facts.width}x${facts.height}` : '';
  const frames = facts.frames !== null ? ` ${facts.frames} frames at ${facts.fps} fps` : '';
  const seed = facts.seed !== null ? ` seed ${facts.seed}` : '';
  const cost = job.cost.estimated_usd !== null ? `, ~${usd(job.cost.estimated_usd)}` : '';
  ctx.stdout.write(
    `wrote ${file}${size}${frames}${seed} (${seconds(Date.now() - started)}${cost})\n`,
  );
  return EXIT.ok;
}
