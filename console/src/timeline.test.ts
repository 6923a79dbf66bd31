import { duration } from './format';
import { timeline } from './timeline';

describe('the deployment timeline', () => {
  it('gives each status its duration, and the current one the time until now', () => {
    const history = [
      {
        from: 'queued' as const,
        to: 'validating' as const,
        at: '2026-01-01T00:00:01.000Z',
        reason: null,
      },
      { from: null, to: 'queued' as const, at: '2026-01-01T00:00:00.000Z', reason: null },
      {
        from: 'validating' as const,
        to: 'failed' as const,
        at: '2026-01-01T00:00:03.500Z',
        reason: 'MODEL_NOT_FOUND',
      },
    ];
    const rows = timeline(history, new Date('2026-01-01T00:01:03.500Z'));
    expect(rows.map((r) => [r.status, r.seconds, r.current, r.reason])).toEqual([
      ['queued', 1, false, null],
      ['validating', 2.5, false, null],
      ['failed', 60, true, 'MODEL_NOT_FOUND'],
    ]);
  });

  it.each([
    [0.25, '250 ms'],
    [12.44, '12.4 s'],
    [185, '3 min 5 s'],
    [7800, '2 h 10 min'],
    [null, '—'],
  ])('shows %p seconds as %s', (s, text) => {
    expect(duration(s)).toBe(text);
  });
});
