import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { intFlag, positional } from '../args';
import { printJson, type Ctx } from '../context';
import { CliError } from '../errors';
import { sleep } from '../follow';
import { createProgress, seconds } from '../render';

interface JobImage {
  base64?: string;
  url?: string | null;
  content_type?: string | null;
  width?: number | null;
  height?: number | null;
  seed?: number | null;
}

interface JobView {
  job_id: string;
  status: string;
  output: { images: JobImage[] } | null;
  output_expired?: boolean;
  error: { code: string; message: string } | null;
  timings: { queue_s: number | null; execution_s: number | null };
  cost: { estimated_usd: number | null };
}

const TERMINAL = ['completed', 'failed', 'cancelled', 'timed_out'];

function formatOf(file: string): 'png' | 'jpeg' | 'webp' {
  const ext = extname(file).toLowerCase();
  return ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : 'png';
}

/** `out.png` for the first image, `out-2.png`, `out-3.png` … for the next ones. */
export function imagePath(file: string, index: number): string {
  if (index === 0) return file;
  const ext = extname(file);
  return `${file.slice(0, file.length - ext.length)}-${index + 1}${ext}`;
}

async function imageBytes(image: JobImage): Promise<Buffer> {
  if (image.base64) return Buffer.from(image.base64, 'base64');
  if (image.url) {
    const res = await fetch(image.url);
    if (!res.ok) throw new CliError(`could not download the image (HTTP ${res.status})`);
    return Buffer.from(await res.arrayBuffer());
  }
  throw new CliError('the job returned no image data (RunPod keeps base64 results ~30 min)');
}

/**
 * `visgate run <deployment> "<prompt>" [-o out.png] [--steps N] [--seed N] [--width N] [--height N]
 * [--negative TEXT] [--timeout S] [--json]`: submits a job, shows its status until it ends, and
 * writes the image(s).
 */
export async function run(ctx: Ctx): Promise<void> {
  const deploymentId = positional(ctx.positionals, 0, 'deployment');
  const prompt = positional(ctx.positionals, 1, 'prompt');
  const file = typeof ctx.flags.output === 'string' ? ctx.flags.output : 'out.png';
  const input: Record<string, unknown> = { prompt, output_format: formatOf(file) };
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
  if (typeof ctx.flags.negative === 'string') input.negative_prompt = ctx.flags.negative;
  const body: Record<string, unknown> = { input };
  const timeout = intFlag(ctx.flags, 'timeout');
  if (timeout !== undefined) body.execution_timeout_s = timeout;

  const started = Date.now();
  let job = await ctx.client.request<JobView>(
    'POST',
    `/v1/deployments/${encodeURIComponent(deploymentId)}/jobs`,
    body,
  );
  const progress = createProgress(ctx.stderr);
  for (;;) {
    progress.update(
      `${job.job_id}  ${job.status.padEnd(9)} ${seconds(Date.now() - started)}`,
      job.status,
    );
    if (TERMINAL.includes(job.status)) break;
    await sleep(Math.min(ctx.config.pollMs, 500));
    job = await ctx.client.request<JobView>('GET', `/v1/jobs/${encodeURIComponent(job.job_id)}`);
  }
  progress.done();
  if (job.status !== 'completed') {
    if (ctx.flags.json) printJson(ctx, job);
    throw new CliError(
      `job ${job.job_id} ${job.status}${job.error ? `: ${job.error.code}: ${job.error.message}` : ''}`,
    );
  }
  const images = job.output?.images ?? [];
  const written: string[] = [];
  for (const [i, image] of images.entries()) {
    const target = imagePath(file, i);
    await writeFile(target, await imageBytes(image));
    written.push(target);
  }
  if (ctx.flags.json) {
    const { output: _output, ...rest } = job;
    printJson(ctx, { ...rest, files: written });
    return;
  }
  const first = images[0];
  const cost = job.cost.estimated_usd !== null ? `, ~$${job.cost.estimated_usd.toFixed(6)}` : '';
  const size = first?.width && first.height ? ` ${first.width}x${first.height}` : '';
  const seed = first?.seed !== undefined && first.seed !== null ? ` seed ${first.seed}` : '';
  ctx.stdout.write(
    `wrote ${written.join(', ')}${size}${seed} (${seconds(Date.now() - started)}${cost})\n`,
  );
}
