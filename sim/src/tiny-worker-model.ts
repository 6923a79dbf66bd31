import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RepoFixture } from './hf-sim/repo-fixture';
import { hostEnv } from './runpod-sim/real-worker';
import type { RealWorkerOptions } from './runpod-sim/sim-types';

/** What the real-worker test and `npm run demo -- --real-worker` share: the tiny model and the worker. */

export const WORKER_DIR = resolve(__dirname, '../../worker');
/** The Hub id the tiny pipeline is served under (the Hub simulator only). */
export const TINY_MODEL_ID = 'visgate-test/tiny-sd1';
const TINY_MODEL_SHA = '7f3c0d2e9b1a4c5d6e7f8091a2b3c4d5e6f70819';

/** Runs one of the worker's offline test builders (worker/tests) with `args` as paths. */
async function runBuilder(module: string, fn: string, args: string[]): Promise<void> {
  await promisify(execFile)(
    'python3',
    [
      '-c',
      `import sys; from pathlib import Path; from ${module} import ${fn}; ${fn}(*map(Path, sys.argv[1:]))`,
      ...args,
    ],
    { cwd: join(WORKER_DIR, 'tests'), env: { ...hostEnv(), PYTHONPATH: join(WORKER_DIR, 'src') } },
  );
}

/**
 * Builds a tiny random-weight pipeline into a new temporary folder, offline, with the worker's
 * own test builders (worker/tests/tiny_models.py `build_sd1`, tiny_video_models.py `build_wan`, …);
 * returns the folder.
 */
export async function buildTinyPipeline(
  builder: 'build_sd1' | 'build_wan' | 'build_cogvideox' = 'build_sd1',
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `tiny-${builder.slice(6)}-`));
  await runBuilder(builder === 'build_sd1' ? 'tiny_models' : 'tiny_video_models', builder, [dir]);
  return dir;
}

/**
 * A tiny PEFT LoRA for the tiny pipeline at `modelDir` (worker/tests/tiny_loras.py `build_lora`),
 * saved as `<new folder>/pytorch_lora_weights.safetensors`; returns the folder.
 */
export async function buildTinyLora(modelDir: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-lora-'));
  await runBuilder('tiny_loras', 'build_lora', [
    modelDir,
    join(dir, 'pytorch_lora_weights.safetensors'),
  ]);
  return dir;
}

/**
 * A folder as a Hub repo for the Hub simulator, every file byte for byte: by default the tiny
 * Stable Diffusion pipeline under TINY_MODEL_ID.
 */
export function tinyModelRepo(
  dir: string,
  as: { id: string; sha: string; pipelineTag: string | null } = {
    id: TINY_MODEL_ID,
    sha: TINY_MODEL_SHA,
    pipelineTag: 'text-to-image',
  },
): RepoFixture {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((n) => {
      const p = join(d, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  const files = walk(dir).map((p) => {
    const path = relative(dir, p);
    const bytes = readFileSync(p);
    return path.endsWith('.safetensors')
      ? { path, rawBase64: bytes.toString('base64') }
      : { path, text: bytes.toString('utf8') };
  });
  const tags = ['diffusers', 'safetensors', ...(as.pipelineTag ? [as.pipelineTag] : [])];
  return {
    id: as.id,
    sha: as.sha,
    libraryName: 'diffusers',
    pipelineTag: as.pipelineTag,
    tags,
    files,
  };
}

/**
 * The simulator's `realWorker` for the tiny model: the container's entry point (worker/Dockerfile
 * CMD `python -m visgate_worker.main`) on CPU, fetching from the Hub simulator at `hubUrl`.
 */
export function tinyRealWorker(
  hubUrl: string,
  onOutput?: RealWorkerOptions['onOutput'],
  models: string[] = [TINY_MODEL_ID],
): RealWorkerOptions {
  return {
    command: ['python3', '-m', 'visgate_worker.main'],
    cwd: WORKER_DIR,
    env: {
      PYTHONPATH: join(WORKER_DIR, 'src'),
      VISGATE_DEVICE: 'cpu',
      HF_ENDPOINT: hubUrl,
      HF_HUB_DISABLE_TELEMETRY: '1',
      HF_HUB_DISABLE_PROGRESS_BARS: '1',
    },
    models,
    ...(onOutput ? { onOutput } : {}),
  };
}

export { pngSize } from './runpod-sim/init-image';
