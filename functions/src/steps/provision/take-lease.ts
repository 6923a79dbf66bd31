import type { Deployment } from '@visgate/shared';

/**
 * One provision attempt at a time owns the RunPod side effects: names are not unique on RunPod, so
 * two concurrent attempts would each create an endpoint. The lease is taken only while the
 * deployment is `provisioning` and no other attempt holds an unexpired one; a crashed owner's lease
 * expires and the next attempt adopts what it made. Returns the leased document (with the attempt
 * counted), or null when the lease is not ours to take.
 */
export function takeLease(doc: Deployment, now: Date, leaseMs: number): Deployment | null {
  const until = doc.runtime.provision_lease_until;
  if (doc.status !== 'provisioning') return null;
  if (until !== null && Date.parse(until) > now.getTime()) return null;
  return {
    ...doc,
    runtime: {
      ...doc.runtime,
      provision_lease_until: new Date(now.getTime() + leaseMs).toISOString(),
      provision_attempts: doc.runtime.provision_attempts + 1,
    },
  };
}

/**
 * Gives the lease back after a failed attempt, so the redelivered message takes over at once (it
 * looks up what this attempt may have made) instead of waiting for the lease to expire.
 */
export function releaseLease(doc: Deployment): Deployment | null {
  if (doc.status !== 'provisioning') return null;
  return { ...doc, runtime: { ...doc.runtime, provision_lease_until: null } };
}

/** The first attempt cannot have left anything on RunPod, so it skips the lookups. */
export function mayHaveLeftResources(leased: Deployment): boolean {
  return leased.runtime.provision_attempts > 1;
}
