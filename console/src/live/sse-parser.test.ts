import { createSseParser } from './sse-parser';

describe('the SSE parser', () => {
  it('assembles events across chunk boundaries, CRLF included, and remembers the last id', () => {
    const p = createSseParser();
    const stream =
      'retry: 2000\r\n\r\nid: 3\r\nevent: status\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: keep-alive\n\nid: 4\nevent: status\ndata: x\n\n';
    const events = [];
    for (let i = 0; i < stream.length; i += 3) events.push(...p.feed(stream.slice(i, i + 3)));
    expect(events).toEqual([
      { id: '3', event: 'status', data: '{"a":\n1}' },
      { id: '4', event: 'status', data: 'x' },
    ]);
    expect([p.lastEventId, p.retryMs]).toEqual(['4', 2000]);
  });

  it('ignores comments and blank events, defaults the type to message and reads retry', () => {
    const p = createSseParser();
    expect(p.feed(': hi\n\n\nretry: 500\ndata:plain\n\nretry: soon\n\n')).toEqual([
      { id: null, event: 'message', data: 'plain' },
    ]);
    expect(p.retryMs).toBe(500);
  });

  it('holds an unfinished event until its blank line arrives', () => {
    const p = createSseParser();
    expect(p.feed('event: reconnect\ndata: {}\n')).toEqual([]);
    expect(p.feed('\n')).toEqual([{ id: null, event: 'reconnect', data: '{}' }]);
  });
});
