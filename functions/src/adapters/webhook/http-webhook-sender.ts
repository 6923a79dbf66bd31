import type { WebhookSender } from '../../ports';

/** POSTs with fetch; redirects are not followed (a 3xx is a failed attempt), the timeout aborts. */
export function createHttpWebhookSender(fetchImpl: typeof fetch = fetch): WebhookSender {
  return {
    async send(req) {
      try {
        const res = await fetchImpl(req.url, {
          method: 'POST',
          headers: req.headers,
          body: req.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(req.timeoutMs),
        });
        await res.body?.cancel();
        return { status: res.status, error: null };
      } catch (e) {
        const name = e instanceof Error ? e.name : '';
        return { status: null, error: name === 'TimeoutError' ? 'timed out' : 'connection failed' };
      }
    },
  };
}
