import { aDeployment } from '@visgate/shared/testing';
import { mayHaveLeftResources, releaseLease, takeLease } from './take-lease';

const now = new Date('2026-11-30T12:00:00.000Z');
const LEASE_MS = 60_000;
const provisioning = (until: string | null, attempts = 0) => {
  const doc = aDeployment({ status: 'provisioning' });
  return {
    ...doc,
    runtime: { ...doc.runtime, provision_lease_until: until, provision_attempts: attempts },
  };
};

describe('takeLease: one provision attempt at a time owns the RunPod side effects', () => {
  it.each([
    ['no lease is held', null, 'taken'],
    ['the holder crashed and its lease expired', '2026-11-30T11:59:59.999Z', 'taken'],
    ['another attempt holds an unexpired lease', '2026-11-30T12:00:30.000Z', 'refused'],
  ] as const)('when %s the lease is %s', (_, until, outcome) => {
    const leased = takeLease(provisioning(until, 1), now, LEASE_MS);
    if (outcome === 'refused') {
      expect(leased).toBeNull();
      return;
    }
    expect(leased?.runtime.provision_lease_until).toBe('2026-11-30T12:01:00.000Z');
    expect(leased?.runtime.provision_attempts).toBe(2);
  });

  it.each(['validating', 'loading', 'deleting', 'failed'] as const)(
    'is never taken for a deployment that is %s',
    (status) => {
      expect(takeLease({ ...provisioning(null), status }, now, LEASE_MS)).toBeNull();
    },
  );

  it('is given back after a failed attempt so the redelivery takes over at once', () => {
    const leased = takeLease(provisioning(null), now, LEASE_MS);
    expect(leased && releaseLease(leased)?.runtime.provision_lease_until).toBeNull();
    expect(
      releaseLease({ ...provisioning('2026-11-30T12:01:00.000Z'), status: 'loading' }),
    ).toBeNull();
  });

  it('only an attempt after the first looks for resources an earlier one left', () => {
    const first = takeLease(provisioning(null, 0), now, LEASE_MS);
    const second = takeLease(provisioning(null, 1), now, LEASE_MS);
    expect(first && mayHaveLeftResources(first)).toBe(false);
    expect(second && mayHaveLeftResources(second)).toBe(true);
  });
});
