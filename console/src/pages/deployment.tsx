import { useEffect, useState } from 'preact/hooks';
import type { PublicDeployment } from '@visgate/shared';
import { describeProgress } from '../../../shared/src/deployment/describe-progress';
import { ApiError, type Api } from '../api';
import { Confirm, ErrorNote, StatusBadge } from '../components';
import { bytes, duration, gib, perHour, usd, when } from '../format';
import { useNow } from '../hooks';
import type { LiveSource } from '../live/live-source';
import { nextStep } from '../next-step';
import { href } from '../router';
import { timeline } from '../timeline';
import { takeWebhookSecret } from './webhook-secret';

type Action = 'pause' | 'resume' | 'delete';
const SETTLED = new Set(['ready', 'paused', 'failed', 'deleted']);

/** One deployment, live: timeline, progress, GPU, cost, webhooks, errors; pause, resume, delete. */
export function DeploymentPage(props: { api: Api; live: Promise<LiveSource>; id: string }) {
  const { api, id } = props;
  const [doc, setDoc] = useState<PublicDeployment | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [secret] = useState(() => takeWebhookSecret(id));

  useEffect(() => {
    let stop: (() => void) | null = null;
    const run = { cancelled: false };
    /** Read through a call: the flag changes while the page awaits. */
    const cancelled = (): boolean => run.cancelled;
    api
      .get<PublicDeployment>(`/v1/deployments/${encodeURIComponent(id)}`)
      .then(async (d) => {
        if (cancelled()) return;
        setDoc(d);
        const source = await props.live;
        if (cancelled()) return;
        stop = source.watch(
          id,
          (next) => {
            setLiveError(null);
            setDoc(next);
          },
          setLiveError,
        );
      })
      .catch((e: unknown) => {
        if (!cancelled())
          setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
      });
    return () => {
      run.cancelled = true;
      stop?.();
    };
  }, [api, id, props.live, generation]);

  const now = useNow(doc !== null && !SETTLED.has(doc.status));

  const act = async (action: Action): Promise<void> => {
    setConfirm(null);
    setBusy(true);
    setError(null);
    try {
      const path = `/v1/deployments/${encodeURIComponent(id)}`;
      const d =
        action === 'delete'
          ? await api.send<PublicDeployment>('DELETE', path)
          : await api.send<PublicDeployment>('POST', `${path}/${action}`);
      setDoc(d);
      setGeneration((g) => g + 1);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };

  if (!doc)
    return (
      <>
        <h1>Deployment</h1>
        {error ? (
          <>
            <ErrorNote error={error} />
            <p>
              <a href={href.deployments}>Back to deployments</a>
            </p>
          </>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </>
    );

  const p = doc.progress;
  const share = p.bytes_total ? Math.min(1, (p.bytes_done ?? 0) / p.bytes_total) : null;
  const rows = timeline(doc.history, now);
  const gone = doc.status === 'deleting' || doc.status === 'deleted';
  return (
    <>
      <div class="title-row">
        <h1>{doc.hf_model_id}</h1>
        <span data-testid="status">
          <StatusBadge status={doc.status} />
        </span>
      </div>
      <p class="muted mono">{doc.deployment_id}</p>
      <p aria-live="polite" class="summary">
        {describeProgress(doc)}
      </p>
      {liveError ? <p class="muted">Live status interrupted ({liveError}); retrying…</p> : null}
      <ErrorNote error={error} />
      {secret ? (
        <div class="card notice">
          <p>
            Webhook signing secret (shown once; store it now): <code>{secret}</code>
          </p>
        </div>
      ) : null}

      <div class="actions">
        {doc.status === 'ready' ? (
          <a class="button primary" href={href.playground(doc.deployment_id)}>
            Open playground
          </a>
        ) : null}
        {doc.status === 'ready' ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setConfirm('pause');
            }}
          >
            Pause
          </button>
        ) : null}
        {doc.status === 'paused' ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setConfirm('resume');
            }}
          >
            Resume
          </button>
        ) : null}
        {!gone ? (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => {
              setConfirm('delete');
            }}
          >
            Delete
          </button>
        ) : null}
      </div>

      {doc.error ? (
        <section class="card error-card" aria-labelledby="err-title">
          <h2 id="err-title">
            {doc.error.code} <span class="muted">in {doc.error.step}</span>
          </h2>
          <p>{doc.error.message}</p>
          <p>
            <strong>Next step:</strong> {nextStep(doc.error.code)}
            {doc.error.retryable ? ' Retrying later may succeed as it is.' : ''}
          </p>
        </section>
      ) : null}

      <div class="grid">
        <section class="card" aria-labelledby="progress-title">
          <h2 id="progress-title">Progress</h2>
          <dl>
            <dt>Stage</dt>
            <dd>{p.stage.replace('_', ' ')}</dd>
            <dt>Weights from</dt>
            <dd>{p.source ?? '—'}</dd>
            <dt>Worker</dt>
            <dd class="mono">{p.worker_id ?? '—'}</dd>
          </dl>
          {share !== null ? (
            <>
              <label for="download">
                Download {bytes(p.bytes_done)} of {bytes(p.bytes_total)}
                {p.throughput_bytes_per_s ? ` at ${bytes(p.throughput_bytes_per_s)}/s` : ''}
              </label>
              <progress id="download" max={1} value={share}>
                {Math.round(share * 100)}%
              </progress>
            </>
          ) : null}
          <dl>
            <dt>Ready after</dt>
            <dd>{duration(doc.timings.seconds_to_ready)}</dd>
            <dt>Fetch</dt>
            <dd>{duration(doc.timings.fetch_s)}</dd>
            <dt>Load</dt>
            <dd>{duration(doc.timings.load_s)}</dd>
            <dt>Warm-up</dt>
            <dd>{duration(doc.timings.warmup_s)}</dd>
          </dl>
        </section>

        <section class="card" aria-labelledby="gpu-title">
          <h2 id="gpu-title">GPU and cost</h2>
          <dl>
            <dt>Pool</dt>
            <dd>{doc.gpu?.pool ?? '—'}</dd>
            <dt>Landed on</dt>
            <dd>{doc.gpu?.placed_on?.join(', ') || '—'}</dd>
            <dt>Fallbacks</dt>
            <dd>{doc.gpu?.fallback_pools.join(', ') || '—'}</dd>
            <dt>VRAM needed</dt>
            <dd>
              {gib(doc.estimate?.vram_bytes)} of {gib(doc.gpu?.usable_vram_bytes)}
            </dd>
            <dt>Peak VRAM</dt>
            <dd>{gib(doc.peak_vram_bytes)}</dd>
            <dt>Price</dt>
            <dd>{perHour(doc.cost.price_per_hour_usd ?? doc.gpu?.price_per_hour_usd)}</dd>
            <dt>Spent</dt>
            <dd>{usd(doc.cost.spent_usd, 4)}</dd>
            <dt>Workers</dt>
            <dd>
              {doc.workers
                ? `${doc.workers.running} running, ${doc.workers.idle} idle, ${doc.workers.initializing} starting`
                : '—'}
            </dd>
          </dl>
        </section>
      </div>

      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol class="timeline">
          {rows.map((r) => (
            <li key={r.at + r.status} class={r.current ? 'current' : undefined}>
              <StatusBadge status={r.status} />
              <span class="mono">{when(r.at)}</span>
              <span>{r.current && SETTLED.has(r.status) ? 'since then' : duration(r.seconds)}</span>
              {r.reason ? <span class="muted">{r.reason}</span> : null}
            </li>
          ))}
        </ol>
      </section>

      {doc.webhook ? (
        <section class="card" aria-labelledby="webhook-title">
          <h2 id="webhook-title">Webhook deliveries</h2>
          <p class="muted">
            To {doc.webhook.url_host} for {doc.webhook.events.join(', ')}
            {doc.webhook.disabled ? ' (disabled by the receiver)' : ''}
          </p>
          {doc.webhook.deliveries.length === 0 ? (
            <p>None yet.</p>
          ) : (
            <div class="table-wrap" role="region" aria-label="Webhook deliveries" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Attempts
                    </th>
                    <th scope="col">Last answer</th>
                    <th scope="col">Next attempt</th>
                  </tr>
                </thead>
                <tbody>
                  {doc.webhook.deliveries.map((w) => (
                    <tr key={w.id}>
                      <td>{w.event}</td>
                      <td>{w.status}</td>
                      <td class="num">{w.attempts}</td>
                      <td>{w.last_status_code ?? w.last_error ?? '—'}</td>
                      <td>{when(w.next_attempt_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}

      <Confirm
        open={confirm !== null}
        title={
          confirm === 'delete'
            ? 'Delete this deployment?'
            : confirm === 'pause'
              ? 'Pause this deployment?'
              : 'Resume this deployment?'
        }
        confirmLabel={confirm === 'delete' ? 'Delete' : confirm === 'pause' ? 'Pause' : 'Resume'}
        danger={confirm === 'delete'}
        onCancel={() => {
          setConfirm(null);
        }}
        onConfirm={() => {
          if (confirm) void act(confirm);
        }}
      >
        <p>
          {confirm === 'delete'
            ? `The RunPod endpoint and template of ${doc.hf_model_id} are deleted and billing stops. This cannot be undone.`
            : confirm === 'pause'
              ? 'Workers scale to zero and billing stops; the endpoint is kept so resuming is quick.'
              : 'Workers may start again and billing resumes.'}
        </p>
      </Confirm>
    </>
  );
}
