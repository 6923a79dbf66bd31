import { SETTLED_STATUSES, type DeploymentStatus, type PublicDeployment } from '@visgate/shared';
// The demo's SSE reader, shared rather than copied (bundled into the CLI by its build).
import { readSse } from '../../functions/src/local/sse-client';
import type { ApiClient } from './api-client';
import { CliError } from './errors';

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

export interface FollowOptions {
  pollMs: number;
  sse: boolean;
  /** How long the API may stay unreachable (a restart, a network blip) before following fails. */
  offlineGraceMs: number;
  /** Told when the API stops answering (with when it stopped), and null when it answers again. */
  onOffline?: (since: number | null) => void;
}

/** SSE streams that failed while the API answered: after this many, follow by polling only. */
const SSE_GIVE_UP = 3;

/**
 * Shows a deployment's documents until its status is one of `until` (or it settles elsewhere) and
 * returns the last one. Follows the SSE stream, reconnecting with Last-Event-ID when it ends (the
 * server's `reconnect`, a restart of the server); rides out an unreachable API for
 * `offlineGraceMs`; and falls back to polling `GET /v1/deployments/{id}` when streams keep failing
 * while the API answers (a proxy that buffers or cuts them).
 */
export async function followDeployment(
  client: ApiClient,
  id: string,
  until: readonly DeploymentStatus[],
  show: (d: PublicDeployment) => void,
  opts: FollowOptions,
): Promise<PublicDeployment> {
  const path = `/v1/deployments/${encodeURIComponent(id)}`;
  let lastId: string | null = null;
  let sseFailures = 0;
  let offlineSince: number | null = null;
  const online = (): void => {
    if (offlineSince !== null) opts.onOffline?.(null);
    offlineSince = null;
  };
  for (;;) {
    let streamFailed = false;
    if (opts.sse && sseFailures < SSE_GIVE_UP) {
      let frames = 0;
      let reconnect = false;
      try {
        const headers: Record<string, string> = { ...client.headers() };
        if (lastId !== null) headers['Last-Event-ID'] = lastId;
        for await (const frame of readSse(`${client.baseUrl}${path}/events`, headers)) {
          online();
          if (frame.event === 'reconnect') reconnect = true;
          if (frame.event !== 'status') continue;
          frames++;
          sseFailures = 0;
          lastId = frame.id ?? lastId;
          const d = JSON.parse(frame.data) as PublicDeployment;
          show(d);
          if (until.includes(d.status)) return d;
        }
      } catch (e) {
        if (e instanceof CliError) throw e;
        streamFailed = true;
      }
      // A stream that asked to be resumed, or brought news and ended (a restart): resume it.
      if (!streamFailed && (reconnect || frames > 0)) continue;
    }
    // One read by polling: it tells an unreachable API from one that answers, and shows a
    // document that settled where the stream had nothing newer to say.
    try {
      const d = await client.request<PublicDeployment>('GET', path);
      online();
      if (opts.sse && (streamFailed || lastId === null)) sseFailures++;
      show(d);
      if (until.includes(d.status) || SETTLED_STATUSES.includes(d.status)) return d;
    } catch (e) {
      if (!(e instanceof CliError && e.network)) throw e;
      if (offlineSince === null) {
        offlineSince = Date.now();
        opts.onOffline?.(offlineSince);
      }
      if (Date.now() - offlineSince > opts.offlineGraceMs) {
        throw new CliError(
          `${e.message}; gave up after ${Math.round(opts.offlineGraceMs / 1000)} s (the deployment goes on: visgate wait ${id})`,
          e.exitCode,
          null,
          true,
        );
      }
      await sleep(Math.min(opts.pollMs, 500));
      continue;
    }
    await sleep(opts.sse && sseFailures < SSE_GIVE_UP ? Math.min(opts.pollMs, 250) : opts.pollMs);
  }
}
