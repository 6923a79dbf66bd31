import { describeProgress, type DeploymentStatus, type PublicDeployment } from '@visgate/shared';
// The demo's SSE reader, shared rather than copied (the CLI runs from this repository via tsx).
import { readSse } from '../../functions/src/local/sse-client';
import type { ApiClient } from './api-client';
import { CliError } from './errors';
import type { Progress } from './render';

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Shows a deployment's progress until its status is one of `until`, over the SSE stream (resumed
 * with Last-Event-ID when the server asks to reconnect), falling back to polling
 * `GET /v1/deployments/{id}` when the stream fails or ends early. Returns the last document seen.
 */
export async function followDeployment(
  client: ApiClient,
  id: string,
  until: readonly DeploymentStatus[],
  progress: Progress,
  opts: { pollMs: number; sse: boolean },
): Promise<PublicDeployment> {
  const show = (d: PublicDeployment): void => {
    progress.update(describeProgress(d), d.status);
  };
  if (opts.sse) {
    try {
      const url = `${client.baseUrl}/v1/deployments/${encodeURIComponent(id)}/events`;
      let lastId: string | null = null;
      // The server ends a long stream with a `reconnect` event (before the platform's request
      // timeout would cut it): resume at once where it left off, with Last-Event-ID.
      for (let resume = true; resume;) {
        resume = false;
        const headers: Record<string, string> = { ...client.headers() };
        if (lastId !== null) headers['Last-Event-ID'] = lastId;
        for await (const frame of readSse(url, headers)) {
          if (frame.event === 'reconnect') resume = true;
          if (frame.event !== 'status') continue;
          lastId = frame.id ?? lastId;
          const d = JSON.parse(frame.data) as PublicDeployment;
          show(d);
          if (until.includes(d.status)) return d;
        }
      }
    } catch (e) {
      if (e instanceof CliError) throw e;
      // Fall through to polling: a proxy that buffers or cuts streams must not stop the command.
    }
  }
  for (;;) {
    const d = await client.request<PublicDeployment>(
      'GET',
      `/v1/deployments/${encodeURIComponent(id)}`,
    );
    show(d);
    if (until.includes(d.status)) return d;
    await sleep(opts.pollMs);
  }
}
