import {
  attemptOutcome,
  claimAttempt,
  heldByAnother,
  notSent,
  recordAttempt,
  type AttemptRecord,
} from './webhook-attempt';

const now = new Date('2026-11-27T12:00:00Z');
const later = (s: number) => new Date(now.getTime() + s * 1000).toISOString();
const record = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  id: 'msg_1',
  status: 'pending',
  attempts: 0,
  sending_until: null,
  last_attempt_at: null,
  last_status_code: null,
  last_error: null,
  next_attempt_at: null,
  ...over,
});
const SCHEDULE = [0, 5_000, 300_000];

describe('claimAttempt', () => {
  it('claims the next attempt once: a duplicate task finds it taken', () => {
    const claimed = claimAttempt([record()], 'msg_1', 1, now, later(45));
    expect(claimed?.[0]).toMatchObject({ attempts: 1, sending_until: later(45) });
    expect(claimAttempt(claimed!, 'msg_1', 1, now, later(45))).toBeNull();
  });

  it('lets the retry of a crashed sender take the attempt once its claim has expired', () => {
    const crashed = [record({ attempts: 1, sending_until: later(-1) })];
    expect(claimAttempt(crashed, 'msg_1', 1, now, later(45))?.[0]?.sending_until).toBe(later(45));
    expect(heldByAnother(crashed[0], 1, now)).toBe(false);
  });

  it('reports a live claim as held, so the duplicate retries instead of dropping the attempt', () => {
    const live = record({ attempts: 2, sending_until: later(10) });
    expect(claimAttempt([live], 'msg_1', 2, now, later(45))).toBeNull();
    expect(heldByAnother(live, 2, now)).toBe(true);
    expect(heldByAnother(live, 1, now)).toBe(false);
  });

  it('never claims a delivery that is no longer pending, or an unknown one', () => {
    expect(claimAttempt([record({ status: 'delivered' })], 'msg_1', 1, now, later(45))).toBeNull();
    expect(claimAttempt([record()], 'msg_2', 1, now, later(45))).toBeNull();
  });
});

describe('attemptOutcome', () => {
  it.each([
    [{ status: 204, error: null }, 1, false, 'delivered', null],
    [{ status: 410, error: 'receiver answered 410' }, 1, false, 'disabled', null],
    [{ status: null, error: 'x' }, 1, true, 'disabled', null],
    [notSent('private address'), 1, false, 'failed', null],
    [{ status: 503, error: 'receiver answered 503' }, 1, false, 'pending', 5_000],
    [{ status: 503, error: 'receiver answered 503' }, 3, false, 'failed', null],
  ] as const)('%j at attempt %i (disabled: %s) is %s', (r, attempt, disabled, status, next) => {
    expect(attemptOutcome(r, attempt, SCHEDULE, disabled)).toEqual({ status, nextDelayMs: next });
  });

  it('records the attempt with the next attempt time', () => {
    const r = { status: 503, error: 'receiver answered 503' };
    const x = recordAttempt(record(), 1, r, attemptOutcome(r, 1, SCHEDULE), now);
    expect(x).toMatchObject({
      attempts: 1,
      status: 'pending',
      last_status_code: 503,
      last_error: 'receiver answered 503',
      next_attempt_at: later(5),
    });
  });
});
