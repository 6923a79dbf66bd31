import { DEPLOYMENT_STATUSES, type Deployment, type DeploymentStatus } from '../schemas/deployment';

/**
 * The only legal status changes (DESIGN §3, plus pause/resume: ready → paused → loading → ready).
 * Anything else is a bug in the caller.
 */
export const NEXT: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  queued: ['validating', 'failed', 'deleting'],
  validating: ['selecting_gpu', 'failed', 'deleting'],
  selecting_gpu: ['provisioning', 'failed', 'deleting'],
  provisioning: ['loading', 'failed', 'deleting'],
  loading: ['ready', 'failed', 'deleting'],
  // Pause scales the endpoint to zero workers and keeps it; resume loads the model again.
  ready: ['paused', 'deleting'],
  paused: ['loading', 'deleting'],
  failed: ['deleting'],
  deleting: ['deleted'],
  deleted: [],
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: DeploymentStatus,
    readonly to: DeploymentStatus,
  ) {
    super(`illegal deployment transition ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** True when `from -> to` is in the table. */
export function canTransition(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return NEXT[from].includes(to);
}

/**
 * Applies one status change, records it in history and bumps `updated_at`. Pure: returns a new
 * document and executes nothing. Throws IllegalTransitionError on an edge not in NEXT.
 */
export function transition(
  doc: Deployment,
  to: DeploymentStatus,
  at: Date,
  reason: string | null = null,
): Deployment {
  if (!canTransition(doc.status, to)) throw new IllegalTransitionError(doc.status, to);
  const iso = at.toISOString();
  return {
    ...doc,
    status: to,
    updated_at: iso,
    history: [...doc.history, { from: doc.status, to, at: iso, reason }],
  };
}

/** The creation pipeline, in order, up to `ready` (DEPLOYMENT_STATUSES is declared in that order). */
export const CREATION_ORDER: readonly DeploymentStatus[] = DEPLOYMENT_STATUSES.slice(
  0,
  DEPLOYMENT_STATUSES.indexOf('ready') + 1,
);

/** Statuses a deployment has while it is still being created (the pipeline before `ready`). */
export const IN_CREATION: readonly DeploymentStatus[] = CREATION_ORDER.slice(0, -1);

/** A deployment going away or gone: nothing new may be created or handed out for it. */
export const CLOSING_STATUSES: readonly DeploymentStatus[] = ['deleting', 'deleted', 'failed'];

/** Statuses from which the pipeline still moves on its own (the reaper watches these for stalls). */
export const IN_FLIGHT_STATUSES: readonly DeploymentStatus[] = [...IN_CREATION, 'deleting'];

export function isInFlight(status: DeploymentStatus): boolean {
  return IN_FLIGHT_STATUSES.includes(status);
}

/** Whether `doc` has moved past `status` in the creation pipeline (a duplicate delivery). */
export function isPast(doc: Pick<Deployment, 'status'>, status: DeploymentStatus): boolean {
  const a = CREATION_ORDER.indexOf(doc.status);
  const b = CREATION_ORDER.indexOf(status);
  return a !== -1 && b !== -1 && a > b;
}
