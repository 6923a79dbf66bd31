import type { EstimateResult } from '@visgate/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api } from '../api';
import { ErrorNote, Field, describedBy } from '../components';
import { EMPTY_FORM, deploymentBody, fieldFor, type DeploymentForm } from '../deployment-form';
import { bytes, gib, perHour } from '../format';
import { href, navigate } from '../router';
import { rememberWebhookSecret } from './webhook-secret';

type Errors = Partial<Record<keyof DeploymentForm, string>>;

/** How long typing must pause before the estimate is asked for. */
const ESTIMATE_DEBOUNCE_MS = 350;

function splitErrors(e: ApiError): { fields: Errors; general: string | null } {
  const fields: Errors = {};
  const rest: string[] = [];
  for (const { path, message } of e.errors) {
    const f = fieldFor(path);
    if (f && !fields[f]) fields[f] = message;
    else rest.push(`${path}: ${message}`);
  }
  const general = rest.length > 0 ? rest.join('; ') : e.errors.length === 0 ? e.message : null;
  return { fields, general };
}

/** The New deployment form: a live estimate while typing, then POST /v1/deployments. */
export function NewDeploymentPage({ api }: { api: Api }) {
  const [form, setForm] = useState<DeploymentForm>(EMPTY_FORM);
  const [estimate, setEstimate] = useState<EstimateResult | null>(null);
  const [estimating, setEstimating] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  const idempotencyKey = useRef(crypto.randomUUID());
  const body = deploymentBody(form);
  const bodyJson = JSON.stringify(body);

  useEffect(() => {
    const mine = ++seq.current;
    if (form.hf_model_id.trim() === '') {
      setEstimate(null);
      setErrors({});
      setGeneral(null);
      return;
    }
    setEstimating(true);
    const t = setTimeout(() => {
      api
        .send<EstimateResult>('POST', '/v1/estimates', JSON.parse(bodyJson))
        .then((e) => {
          if (mine !== seq.current) return;
          setEstimate(e);
          setErrors({});
          setGeneral(null);
        })
        .catch((e: unknown) => {
          if (mine !== seq.current) return;
          setEstimate(null);
          if (e instanceof ApiError) {
            const s = splitErrors(e);
            setErrors(s.fields);
            setGeneral(s.general);
          } else setGeneral(String(e));
        })
        .finally(() => {
          if (mine === seq.current) setEstimating(false);
        });
    }, ESTIMATE_DEBOUNCE_MS);
    return () => {
      clearTimeout(t);
    };
  }, [api, bodyJson]);

  const set =
    (name: keyof DeploymentForm) =>
    (e: { currentTarget: HTMLInputElement | HTMLSelectElement }): void => {
      const value = e.currentTarget.value;
      setForm((f) => ({ ...f, [name]: value }));
      idempotencyKey.current = crypto.randomUUID();
    };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await api.send<{ deployment_id: string; webhook_secret: string | null }>(
        'POST',
        '/v1/deployments',
        body,
        { 'Idempotency-Key': idempotencyKey.current },
      );
      if (res.webhook_secret) rememberWebhookSecret(res.deployment_id, res.webhook_secret);
      navigate(href.deployment(res.deployment_id));
    } catch (err) {
      if (err instanceof ApiError) {
        const s = splitErrors(err);
        setErrors(s.fields);
        setGeneral(s.general);
      } else setGeneral(String(err));
    } finally {
      setBusy(false);
    }
  };

  const input = (
    name: keyof DeploymentForm,
    label: string,
    attrs: Record<string, unknown> = {},
    hint?: string,
  ) => (
    <Field id={name} label={label} hint={hint} error={errors[name]}>
      <input
        id={name}
        name={name}
        value={form[name]}
        onInput={set(name)}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={describedBy(name, hint !== undefined, errors[name])}
        {...attrs}
      />
    </Field>
  );

  return (
    <>
      <h1>New deployment</h1>
      <div class="split">
        <form
          class="card"
          onSubmit={(e) => void submit(e)}
          aria-describedby="form-error"
          noValidate
        >
          {input(
            'hf_model_id',
            'Hugging Face model',
            {
              required: true,
              placeholder: 'stabilityai/sd-turbo',
              spellcheck: false,
              autocomplete: 'off',
            },
            'org/name of a diffusers text-to-image model',
          )}
          {input(
            'hf_token',
            'Hugging Face token (optional)',
            { type: 'password', autocomplete: 'off' },
            'For gated or private models; sealed on the server, never shown again',
          )}
          <Field id="gpu_tier" label="GPU tier" error={errors.gpu_tier}>
            <select id="gpu_tier" value={form.gpu_tier} onChange={set('gpu_tier')}>
              <option value="">Cheapest that fits</option>
              <option value="ECONOMY">Economy</option>
              <option value="STANDARD">Standard</option>
              <option value="PRO">Pro</option>
              <option value="ULTIMATE">Ultimate</option>
            </select>
          </Field>
          <div class="row">
            {input('workers_min', 'Min workers', {
              type: 'number',
              min: 0,
              max: 10,
              inputMode: 'numeric',
            })}
            {input('workers_max', 'Max workers', {
              type: 'number',
              min: 1,
              max: 10,
              inputMode: 'numeric',
            })}
          </div>
          <div class="row">
            {input('idle_timeout_s', 'Idle timeout (s)', { type: 'number', min: 5, max: 3600 })}
            {input('ttl_s', 'Delete after (s, optional)', { type: 'number', min: 60 })}
          </div>
          {input(
            'budget_usd',
            'Budget in USD (optional)',
            { type: 'number', min: 0, step: 'any' },
            'Paused when spend reaches it',
          )}
          <Field id="cache_scope" label="Model cache" error={errors.cache_scope}>
            <select id="cache_scope" value={form.cache_scope} onChange={set('cache_scope')}>
              <option value="none">None (RunPod cache or the Hub)</option>
              <option value="shared">Shared platform cache</option>
              <option value="private">My S3 bucket</option>
            </select>
          </Field>
          {form.cache_scope === 'private' ? (
            <fieldset>
              <legend>Your S3 bucket</legend>
              {input('cache_s3_url', 'Bucket URL', { placeholder: 's3://bucket/prefix' })}
              {input('cache_endpoint_url', 'Endpoint (optional, R2/MinIO)', { type: 'url' })}
              {input('cache_access_key_id', 'Access key id', { autocomplete: 'off' })}
              {input('cache_secret_access_key', 'Secret access key', {
                type: 'password',
                autocomplete: 'off',
              })}
            </fieldset>
          ) : null}
          {input('user_webhook_url', 'Webhook URL (optional)', {
            type: 'url',
            placeholder: 'https://…',
          })}
          <div id="form-error">
            <ErrorNote error={general} />
          </div>
          <button class="primary" type="submit" disabled={busy || !estimate}>
            {busy ? 'Deploying…' : 'Deploy'}
          </button>
        </form>
        <EstimatePanel
          estimate={estimate}
          estimating={estimating}
          empty={form.hf_model_id.trim() === ''}
        />
      </div>
    </>
  );
}

function EstimatePanel(props: {
  estimate: EstimateResult | null;
  estimating: boolean;
  empty: boolean;
}) {
  const e = props.estimate;
  return (
    <section
      class="card estimate"
      aria-labelledby="estimate-title"
      aria-live="polite"
      aria-busy={props.estimating}
    >
      <h2 id="estimate-title">Estimate</h2>
      {props.empty ? (
        <p class="muted">Type a model id to see its weights, VRAM, GPU and price.</p>
      ) : null}
      {!props.empty && !e && props.estimating ? <p class="muted">Estimating…</p> : null}
      {!props.empty && !e && !props.estimating ? (
        <p class="muted">No estimate for this input.</p>
      ) : null}
      {e ? (
        <dl data-testid="estimate">
          <dt>Pipeline</dt>
          <dd>{e.pipeline}</dd>
          <dt>Weights</dt>
          <dd>{bytes(e.estimate.weights_bytes)}</dd>
          <dt>VRAM needed</dt>
          <dd>{gib(e.estimate.vram_bytes)}</dd>
          <dt>Task</dt>
          <dd>{e.task}</dd>
          {e.estimate.video ? (
            <>
              <dt>Default clip</dt>
              <dd>
                {e.estimate.video.width}×{e.estimate.video.height}, {e.estimate.video.num_frames}{' '}
                frames at {e.estimate.video.fps} fps
              </dd>
            </>
          ) : null}
          <dt>GPU pool</dt>
          <dd>{e.gpu.pool}</dd>
          <dt>Memory plan</dt>
          <dd data-testid="estimate-plan">{e.gpu.memory_plan.reason}</dd>
          <dt>Fallbacks</dt>
          <dd>{e.gpu.fallback_pools.length ? e.gpu.fallback_pools.join(', ') : 'none'}</dd>
          <dt>Price</dt>
          <dd data-testid="estimate-price">{perHour(e.gpu.price_per_hour_usd)}</dd>
        </dl>
      ) : null}
      {e?.gpu.skipped.length ? (
        <details>
          <summary>Pools skipped</summary>
          <ul>
            {e.gpu.skipped.map((s) => (
              <li key={s.pool}>
                {s.pool}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
