import type { PublicDeployment } from '@visgate/shared';
import type { Api } from '../api';
import type { LiveSource } from './live-source';
import { createSseParser } from './sse-parser';

const SETTLED = new Set(['ready', 'paused', 'failed', 'deleted']);
/** After the stream ends at a settled status, how often the document is re-read (cost, webhooks). */
const SETTLED_POLL_MS = 5000;

/**
 * Live status from `GET /v1/deployments/{id}/events`, read with fetch (EventSource cannot send the
 * Bearer header). The server ends the stream at a settled status (ready, paused, failed); from
 * then on the document is re-read every few seconds, and a change to an unsettled status (resume,
 * delete) opens the stream again. Reconnects resume with Last-Event-ID.
 */
export function createSseSource(api: Api): LiveSource {
  return {
    kind: 'sse',
    watch(id, onDoc, onError) {
      const abort = new AbortController();
      /** Read through a call: the flag changes while this loop awaits. */
      const stopped = (): boolean => abort.signal.aborted;
      let lastEventId: string | null = null;
      let retryMs = 2000;
      let last: PublicDeployment | null = null;
      const path = `/v1/deployments/${encodeURIComponent(id)}`;
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(resolve, ms);
          abort.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        });

      const stream = async (): Promise<void> => {
        const headers: Record<string, string> = { Accept: 'text/event-stream' };
        if (lastEventId) headers['Last-Event-ID'] = lastEventId;
        const res = await api.raw(`${path}/events`, { headers, signal: abort.signal });
        if (!res.ok || !res.body) {
          const p = (await res.json().catch(() => ({}))) as { detail?: string };
          throw new Error(p.detail ?? `live status unavailable (HTTP ${res.status})`);
        }
        const parser = createSseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of parser.feed(value)) {
            if (e.event !== 'status') continue;
            last = JSON.parse(e.data) as PublicDeployment;
            onDoc(last);
          }
          lastEventId = parser.lastEventId ?? lastEventId;
          retryMs = parser.retryMs;
        }
      };

      const run = async (): Promise<void> => {
        while (!stopped()) {
          try {
            if (last && SETTLED.has(last.status)) {
              await sleep(SETTLED_POLL_MS);
              if (stopped()) return;
              const d = await api.get<PublicDeployment>(path, abort.signal);
              last = d;
              onDoc(d);
              if (d.status === 'deleted') return;
              if (SETTLED.has(d.status)) continue;
            }
            await stream();
          } catch (e) {
            if (stopped()) return;
            onError(e instanceof Error ? e.message : String(e));
            await sleep(retryMs);
          }
        }
      };
      void run();
      return () => {
        abort.abort();
      };
    },
  };
}
