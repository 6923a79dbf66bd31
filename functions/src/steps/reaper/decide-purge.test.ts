import { type Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { decidePurge, type PurgeDecision, type PurgeSettings } from './decide-purge';

const settings: PurgeSettings = { stepDeadlineS: 900, secretRetentionS: 3600 };
const now = new Date('2026-11-27T18:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();

/** A closed deployment, closed `closedS` ago. */
function closed(
  status: 'failed' | 'deleted',
  closedS: number,
  over: { released?: boolean; purged?: boolean; pendingWebhook?: boolean } = {},
): Deployment {
  const doc = aDeployment({ status, updated_at: ago(closedS) });
  const delivery = (state: 'pending' | 'delivered') => ({
    event: 'deployment.failed' as const,
    id: `msg-${state}`,
    occurred_at: ago(closedS),
    attempts: 1,
    status: state,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
    next_attempt_at: null,
    sending_until: null,
  });
  return {
    ...doc,
    webhook: {
      url_host: 'hooks.example.com',
      events: ['deployment.failed'],
      disabled: false,
      deliveries: [delivery('delivered'), ...(over.pendingWebhook ? [delivery('pending')] : [])],
    },
    runtime: {
      ...doc.runtime,
      resources_released: over.released ?? true,
      secrets_purged: over.purged ?? false,
    },
  };
}

describe('decidePurge', () => {
  it.each<[string, Deployment, PurgeDecision]>([
    ['a deleted deployment past the retention window is purged', closed('deleted', 3601), 'purge'],
    [
      'a failed deployment whose resources were released is purged after retention',
      closed('failed', 3601),
      'purge',
    ],
    ['inside the retention window the secrets stay', closed('deleted', 3599), 'keep'],
    [
      'secrets already purged are not purged twice',
      closed('deleted', 9999, { purged: true }),
      'keep',
    ],
    [
      'a webhook still to deliver keeps the secret it is signed with',
      closed('deleted', 9999, { pendingWebhook: true }),
      'keep',
    ],
    [
      'a failed deployment whose resources were not released is nudged to teardown, not purged',
      closed('failed', 9999, { released: false }),
      'teardown',
    ],
    [
      'a failed deployment whose teardown is within its deadline is left to it',
      closed('failed', 899, { released: false }),
      'keep',
    ],
    [
      'a deleted deployment is never nudged to teardown again',
      closed('deleted', 9999, { released: false }),
      'purge',
    ],
  ])('%s', (_name, doc, expected) => {
    expect(decidePurge(doc, now, settings)).toBe(expected);
  });

  it('keeps the RunPod key of a failed deployment holding resources even past retention when no teardown is due', () => {
    // Retention shorter than the step deadline: teardown is not yet late, and it will need the key.
    const short: PurgeSettings = { stepDeadlineS: 900, secretRetentionS: 60 };
    expect(decidePurge(closed('failed', 600, { released: false }), now, short)).toBe('keep');
  });
});
