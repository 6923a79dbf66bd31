/** One Server-Sent Events frame. */
export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events stream over fetch and yields each frame until the server closes it.
 * Used by the demo (and usable by any client) to follow `/v1/deployments/{id}/events`.
 */
export async function* readSse(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): AsyncGenerator<SseFrame> {
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const raw = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const frame: SseFrame = { id: null, event: 'message', data: '' };
      const data: string[] = [];
      for (const line of raw.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i === -1 ? line : line.slice(0, i);
        const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
        else if (field === 'data') data.push(value);
      }
      frame.data = data.join('\n');
      if (data.length > 0) yield frame;
    }
  }
}
