/** One Server-Sent Event as the WHATWG spec assembles it. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/**
 * An incremental `text/event-stream` parser (the EventSource algorithm, which cannot be used here
 * because it cannot send an Authorization header): feed it decoded text in chunks of any size,
 * get back the events completed so far. `retry` updates `retryMs`.
 */
export function createSseParser() {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | null = null;
  const parser = {
    retryMs: 2000,
    lastEventId: null as string | null,
    feed(text: string): SseEvent[] {
      buffer += text;
      const out: SseEvent[] = [];
      let nl: RegExpExecArray | null;
      const lineEnd = /\r\n|\r|\n/;
      while ((nl = lineEnd.exec(buffer)) !== null) {
        // A lone \r at the end may be the first half of \r\n: wait for more.
        if (nl[0] === '\r' && nl.index === buffer.length - 1) break;
        const line = buffer.slice(0, nl.index);
        buffer = buffer.slice(nl.index + nl[0].length);
        if (line === '') {
          if (data.length > 0) {
            if (id !== null) parser.lastEventId = id;
            out.push({ id, event: event || 'message', data: data.join('\n') });
          }
          data = [];
          event = '';
          id = null;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
        else if (field === 'retry' && /^\d+$/.test(value)) parser.retryMs = Number(value);
      }
      return out;
    },
  };
  return parser;
}
