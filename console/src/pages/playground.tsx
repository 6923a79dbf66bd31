import { useState } from 'preact/hooks';
import type { PublicDeployment } from '@visgate/shared';
import { ApiError, type Api } from '../api';
import { ErrorNote, Field } from '../components';
import { duration, usd } from '../format';
import { usePoll } from '../hooks';
import { href, navigate } from '../router';

interface JobView {
  job_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timed_out';
  output: {
    images?: {
      base64?: string;
      url?: string;
      content_type?: string;
      width?: number;
      height?: number;
      seed?: number;
    }[];
    video?: { base64?: string; content_type?: string; width?: number; height?: number };
    timings?: { inference_s?: number };
  } | null;
  error: { code?: string; message?: string } | null;
  timings: { queue_s: number | null; execution_s: number | null };
  cost: { estimated_usd: number | null; price_per_hour_usd: number | null };
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out']);
const JOB_POLL_MS = 400;
const SIZES = [512, 768, 1024];

/** Only image bytes we asked for: PNG, JPEG or WebP in base64. */
const imageSrc = (img: { base64?: string; content_type?: string }): string | null =>
  img.base64 &&
  /^image\/(png|jpeg|webp)$/.test(img.content_type ?? '') &&
  /^[A-Za-z0-9+/=]+$/.test(img.base64)
    ? `data:${img.content_type ?? ''};base64,${img.base64}`
    : null;

/** Only MP4 bytes in base64 (a video job's output). */
const videoSrc = (v: { base64?: string; content_type?: string } | undefined): string | null =>
  v?.base64 && v.content_type === 'video/mp4' && /^[A-Za-z0-9+/=]+$/.test(v.base64)
    ? `data:video/mp4;base64,${v.base64}`
    : null;

/** A picked file as a data: URL (sent as the job's base64 `image`). */
const readAsDataUrl = (file: File): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      if (typeof reader.result === 'string') resolve(reader.result);
      else reject(new Error(`could not read ${file.name}`));
    };
    reader.onerror = () => {
      reject(new Error(`could not read ${file.name}`));
    };
    reader.readAsDataURL(file);
  });

/**
 * Prompt → job → image(s) or video, with timings and cost, on one ready deployment. An image
 * deployment may start from a picked image (image-to-image, at the image's own size); a video
 * deployment's MP4 plays in a <video> element.
 */
export function PlaygroundPage({ api, id }: { api: Api; id: string | null }) {
  const { data } = usePoll(
    (signal) =>
      api.get<{ data: PublicDeployment[] }>('/v1/deployments?status=ready&limit=100', signal),
    5000,
    [api],
  );
  const ready = data?.data ?? [];
  const [prompt, setPrompt] = useState('');
  const [negative, setNegative] = useState('');
  const [size, setSize] = useState('512');
  const [steps, setSteps] = useState('');
  const [seed, setSeed] = useState('');
  const [initImage, setInitImage] = useState<File | null>(null);
  const chosen = ready.find((d) => d.deployment_id === id);
  // Read as a plain string: deployments written before tasks existed have none (text-to-image).
  const isVideo = String((chosen as { task?: unknown } | undefined)?.task) === 'text-to-video';
  const [job, setJob] = useState<JobView | null>(null);
  const [wallS, setWallS] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!id) return;
    setBusy(true);
    setError(null);
    setJob(null);
    const started = performance.now();
    try {
      const input: Record<string, unknown> = { prompt };
      // A video uses its model's size; an init image, its own.
      if (!isVideo && !initImage)
        Object.assign(input, { width: Number(size), height: Number(size) });
      if (!isVideo && initImage) input.image = await readAsDataUrl(initImage);
      if (negative.trim()) input.negative_prompt = negative.trim();
      if (steps.trim()) input.num_inference_steps = Number(steps);
      if (seed.trim()) input.seed = Number(seed);
      let j = await api.send<JobView>('POST', `/v1/deployments/${encodeURIComponent(id)}/jobs`, {
        input,
      });
      setJob(j);
      while (!TERMINAL.has(j.status)) {
        await new Promise((r) => setTimeout(r, JOB_POLL_MS));
        j = await api.get<JobView>(`/v1/jobs/${encodeURIComponent(j.job_id)}`);
        setJob(j);
      }
      setWallS((performance.now() - started) / 1000);
    } catch (err) {
      setError(err instanceof ApiError ? err : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Playground</h1>
      <div class="split">
        <form class="card" onSubmit={(e) => void run(e)}>
          <Field id="deployment" label="Deployment">
            <select
              id="deployment"
              value={id ?? ''}
              onChange={(e) => {
                navigate(href.playground(e.currentTarget.value || undefined));
              }}
            >
              <option value="">Choose a ready deployment</option>
              {id && !ready.some((d) => d.deployment_id === id) ? (
                <option value={id}>{id}</option>
              ) : null}
              {ready.map((d) => (
                <option key={d.deployment_id} value={d.deployment_id}>
                  {d.hf_model_id} ({d.deployment_id.slice(0, 12)}…)
                </option>
              ))}
            </select>
          </Field>
          <Field id="prompt" label="Prompt">
            <textarea
              id="prompt"
              required
              rows={3}
              maxLength={2000}
              value={prompt}
              onInput={(e) => {
                setPrompt(e.currentTarget.value);
              }}
            />
          </Field>
          <Field id="negative" label="Negative prompt (optional)">
            <input
              id="negative"
              maxLength={2000}
              value={negative}
              onInput={(e) => {
                setNegative(e.currentTarget.value);
              }}
            />
          </Field>
          <div class="row">
            <Field id="size" label="Size">
              <select
                id="size"
                value={size}
                disabled={isVideo || initImage !== null}
                onChange={(e) => {
                  setSize(e.currentTarget.value);
                }}
              >
                {SIZES.map((s) => (
                  <option key={s} value={String(s)}>
                    {s} × {s}
                  </option>
                ))}
              </select>
            </Field>
            <Field id="steps" label="Steps (optional)">
              <input
                id="steps"
                type="number"
                min={1}
                max={150}
                value={steps}
                onInput={(e) => {
                  setSteps(e.currentTarget.value);
                }}
              />
            </Field>
            <Field id="seed" label="Seed (optional)">
              <input
                id="seed"
                type="number"
                min={0}
                value={seed}
                onInput={(e) => {
                  setSeed(e.currentTarget.value);
                }}
              />
            </Field>
          </div>
          {isVideo ? null : (
            <Field id="init-image" label="Start from an image (optional)">
              <input
                id="init-image"
                type="file"
                accept="image/png,image/jpeg,image/webp"
                onChange={(e) => {
                  setInitImage(e.currentTarget.files?.[0] ?? null);
                }}
              />
            </Field>
          )}
          <ErrorNote error={error} />
          <button class="primary" type="submit" disabled={busy || !id || prompt.trim() === ''}>
            {busy ? 'Running…' : 'Run'}
          </button>
        </form>
        <section class="card" aria-labelledby="result-title" aria-live="polite">
          <h2 id="result-title">Result</h2>
          {!job ? <p class="muted">Images and videos appear here.</p> : null}
          {job ? (
            <>
              <p>
                Job <span class="mono">{job.job_id}</span>:{' '}
                <strong data-testid="job-status">{job.status}</strong>
              </p>
              {job.error ? (
                <p class="error">
                  {job.error.code}: {job.error.message}
                </p>
              ) : null}
              <div class="images">
                {(job.output?.images ?? []).map((img, i) => {
                  const src = imageSrc(img);
                  return src ? (
                    <img
                      key={i}
                      src={src}
                      width={img.width}
                      height={img.height}
                      alt={`Generated image ${i + 1} for “${prompt}”${img.seed !== undefined ? `, seed ${img.seed}` : ''}`}
                    />
                  ) : null;
                })}
              </div>
              {videoSrc(job.output?.video) ? (
                <video
                  controls
                  loop
                  src={videoSrc(job.output?.video) ?? undefined}
                  width={job.output?.video?.width}
                  height={job.output?.video?.height}
                  aria-label={`Generated video for “${prompt}”`}
                />
              ) : null}
              <dl>
                <dt>Queue</dt>
                <dd>{duration(job.timings.queue_s)}</dd>
                <dt>Execution</dt>
                <dd>{duration(job.timings.execution_s)}</dd>
                <dt>Inference</dt>
                <dd>{duration(job.output?.timings?.inference_s)}</dd>
                <dt>Round trip</dt>
                <dd>{duration(wallS)}</dd>
                <dt>Cost</dt>
                <dd data-testid="job-cost">{usd(job.cost.estimated_usd, 6)}</dd>
              </dl>
            </>
          ) : null}
        </section>
      </div>
    </>
  );
}
