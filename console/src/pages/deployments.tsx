import type { PublicDeployment } from '@visgate/shared';
import type { Api } from '../api';
import { ErrorNote, StatusBadge } from '../components';
import { perHour, usd, when } from '../format';
import { usePoll } from '../hooks';
import { href } from '../router';

interface Page {
  data: PublicDeployment[];
  next_cursor: string | null;
}

/** How often the list is re-read while the tab is visible. */
const LIST_POLL_MS = 3000;

/** The caller's deployments, newest first, re-read every few seconds while visible. */
export function DeploymentsPage({ api }: { api: Api }) {
  const { data, error } = usePoll(
    (signal) => api.get<Page>('/v1/deployments?limit=100', signal),
    LIST_POLL_MS,
    [api],
  );
  const rows = data
    ? [...data.data].sort((a, b) => b.created_at.localeCompare(a.created_at))
    : null;
  return (
    <>
      <div class="title-row">
        <h1>Deployments</h1>
        <a class="button primary" href={href.new}>
          New deployment
        </a>
      </div>
      <ErrorNote error={error} />
      {rows === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {rows?.length === 0 ? (
        <div class="card empty">
          <p>No deployments yet.</p>
          <p>
            <a href={href.new}>Deploy a model</a> — the estimate shows the GPU and the price before
            anything is created.
          </p>
        </div>
      ) : null}
      {rows && rows.length > 0 ? (
        <div class="table-wrap" role="region" aria-label="Deployments" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">GPU pool</th>
                <th scope="col" class="num">
                  Price
                </th>
                <th scope="col" class="num">
                  Spent
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.deployment_id} data-deployment={d.deployment_id}>
                  <td>
                    <a href={href.deployment(d.deployment_id)}>{d.hf_model_id}</a>
                  </td>
                  <td>
                    <StatusBadge status={d.status} />
                  </td>
                  <td>{d.gpu?.pool ?? '—'}</td>
                  <td class="num">
                    {perHour(d.cost.price_per_hour_usd ?? d.gpu?.price_per_hour_usd)}
                  </td>
                  <td class="num">{usd(d.cost.spent_usd, 4)}</td>
                  <td>{when(d.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {data?.next_cursor ? (
        <p class="muted">Showing the newest 100; the API lists the rest (GET /v1/deployments).</p>
      ) : null}
    </>
  );
}
