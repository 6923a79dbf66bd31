import { type Deployment, type DeploymentStatus } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { decideUnstick, type UnstickSettings } from './decide-unstick';

const settings: UnstickSettings = {
  stepDeadlineS: 900,
  loadTimeoutS: 1800,
  pollMaxIntervalMs: 30_000,
};
const now = new Date('2026-11-27T13:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();

/** A deployment that entered `status`, and last changed, `idleS` ago. */
function stuck(
  status: DeploymentStatus,
  idleS: number,
  runtime: Partial<Deployment['runtime']> = {},
): Deployment {
  const doc = aDeployment({ status, updated_at: ago(idleS) });
  return {
    ...doc,
    history: [{ from: 'queued', to: status, at: ago(idleS), reason: null }],
    runtime: { ...doc.runtime, ...runtime },
  };
}

describe('decideUnstick', () => {
  it.each<[string, Deployment, ReturnType<typeof decideUnstick>]>([
    ['a step within its deadline is left alone', stuck('validating', 899), { kind: 'wait' }],
    [
      'a queued deployment past the deadline has its validate message re-published',
      stuck('queued', 901),
      { kind: 'republish', topic: 'deployment-validate', firstNudge: true },
    ],
    [
      'a GPU selection past the deadline is re-published to select-gpu',
      stuck('selecting_gpu', 901),
      { kind: 'republish', topic: 'deployment-select-gpu', firstNudge: true },
    ],
    [
      'a provision past the deadline is re-published to provision',
      stuck('provisioning', 901),
      { kind: 'republish', topic: 'deployment-provision', firstNudge: true },
    ],
    [
      'a step nudged a minute ago is re-published again, keeping its first nudge’s time',
      stuck('provisioning', 1000, { nudged_at: ago(60) }),
      { kind: 'republish', topic: 'deployment-provision', firstNudge: false },
    ],
    [
      'a nudge made in an earlier status does not count against this one',
      stuck('selecting_gpu', 1000, { nudged_at: ago(5000) }),
      { kind: 'republish', topic: 'deployment-select-gpu', firstNudge: true },
    ],
    [
      'a teardown nudged recently is re-published again',
      stuck('deleting', 5000, { nudged_at: ago(100) }),
      { kind: 'republish', topic: 'deployment-teardown', firstNudge: false },
    ],
    [
      'a teardown is never given up on, however long ago it was nudged',
      stuck('deleting', 5000, { nudged_at: ago(4000) }),
      { kind: 'republish', topic: 'deployment-teardown', firstNudge: false },
    ],
    [
      'a loading deployment with a recent poll is left to its poller',
      stuck('loading', 119, { loading_started_at: ago(600), poll_attempt: 7 }),
      { kind: 'wait' },
    ],
    [
      'a loading deployment with four polls missed has its poll chain restarted at the next attempt',
      stuck('loading', 121, { loading_started_at: ago(600), poll_attempt: 7 }),
      { kind: 'repoll', attempt: 8 },
    ],
    [
      'a loading deployment is never re-published on the step deadline (the poller drives it)',
      stuck('loading', 1000, {
        loading_started_at: ago(1000),
        poll_attempt: 3,
        nudged_at: ago(1000),
      }),
      { kind: 'repoll', attempt: 4 },
    ],
  ])('%s', (_name, doc, expected) => {
    expect(decideUnstick(doc, now, settings)).toEqual(expected);
  });

  it.each<[DeploymentStatus, string]>([
    ['queued', 'validate'],
    ['validating', 'validate'],
    ['selecting_gpu', 'select_gpu'],
    ['provisioning', 'provision'],
  ])(
    'a deployment still stuck in %s a deadline after its nudge fails as UPSTREAM_UNAVAILABLE of %s',
    (status, step) => {
      const d = decideUnstick(stuck(status, 2000, { nudged_at: ago(900) }), now, settings);
      expect(d).toEqual({
        kind: 'fail',
        code: 'UPSTREAM_UNAVAILABLE',
        message: `stuck in ${status} for 2000 s; gave up`,
        step,
      });
    },
  );

  it.each<[string, number, string]>([
    ['within LOAD_TIMEOUT_S plus one deadline of slack it waits', 2700, 'wait'],
    ['past LOAD_TIMEOUT_S plus one deadline it fails as LOAD_TIMEOUT', 2701, 'fail'],
  ])('a loading deployment: %s', (_name, loadingS, kind) => {
    const d = decideUnstick(
      stuck('loading', 10, { loading_started_at: ago(loadingS) }),
      now,
      settings,
    );
    expect(d.kind).toBe(kind);
    if (d.kind === 'fail') {
      expect(d).toMatchObject({ code: 'LOAD_TIMEOUT', step: 'poll' });
      expect(d.message).toBe('not ready 2700 s after the endpoint was created');
    }
  });

  it('a loading deployment with no recorded start never times out on load', () => {
    const d = decideUnstick(stuck('loading', 10, { loading_started_at: null }), now, settings);
    expect(d).toEqual({ kind: 'wait' });
  });
});
