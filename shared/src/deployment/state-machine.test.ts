import fc from 'fast-check';
import { DEPLOYMENT_STATUSES, type DeploymentStatus } from '../schemas/deployment';
import { aDeployment } from '../testing/a-deployment';
import {
  CREATION_ORDER,
  IllegalTransitionError,
  NEXT,
  canTransition,
  isPast,
  transition,
} from './state-machine';

const at = new Date('2026-11-27T12:00:00Z');
const pairs = DEPLOYMENT_STATUSES.flatMap((from) =>
  DEPLOYMENT_STATUSES.map((to) => [from, to] as const),
);

describe('transition', () => {
  it.each(pairs)('%s -> %s is allowed exactly when the table lists it', (from, to) => {
    const doc = aDeployment({ status: from });
    if (NEXT[from].includes(to)) {
      const next = transition(doc, to, at, 'because');
      expect(next.status).toBe(to);
      expect(next.history.at(-1)).toEqual({ from, to, at: at.toISOString(), reason: 'because' });
      expect(next.updated_at).toBe(at.toISOString());
    } else {
      expect(() => transition(doc, to, at)).toThrow(IllegalTransitionError);
    }
  });

  it('lets every status other than deleting and deleted move to deleting', () => {
    for (const s of DEPLOYMENT_STATUSES) {
      expect(canTransition(s, 'deleting')).toBe(s !== 'deleting' && s !== 'deleted');
    }
  });

  it('lets every in-flight creation status fail, and nothing settled fail again', () => {
    for (const s of ['queued', 'validating', 'selecting_gpu', 'provisioning', 'loading'] as const) {
      expect(canTransition(s, 'failed')).toBe(true);
    }
    for (const s of ['ready', 'paused', 'failed', 'deleting', 'deleted'] as const) {
      expect(canTransition(s, 'failed')).toBe(false);
    }
  });

  it('pauses only a ready deployment and resumes a paused one through loading', () => {
    for (const s of DEPLOYMENT_STATUSES) {
      expect(canTransition(s, 'paused')).toBe(s === 'ready');
    }
    expect(NEXT.paused).toEqual(['loading', 'deleting']);
    expect(DEPLOYMENT_STATUSES.filter((s) => canTransition(s, 'loading')).sort()).toEqual([
      'paused',
      'provisioning',
    ]);
  });

  it('records a pause and a resume cycle in history, ending ready again', () => {
    let doc = aDeployment({ status: 'ready' });
    for (const to of ['paused', 'loading', 'ready', 'paused', 'deleting'] as const) {
      doc = transition(doc, to, at, to);
    }
    expect(doc.history.slice(-5).map((h) => [h.from, h.to])).toEqual([
      ['ready', 'paused'],
      ['paused', 'loading'],
      ['loading', 'ready'],
      ['ready', 'paused'],
      ['paused', 'deleting'],
    ]);
  });

  it('never reaches a status outside the table and keeps one history entry per change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...DEPLOYMENT_STATUSES), { maxLength: 30 }),
        (targets) => {
          let doc = aDeployment({ status: 'queued' });
          let changes = 0;
          for (const to of targets) {
            const from: DeploymentStatus = doc.status;
            try {
              doc = transition(doc, to, at);
              changes += 1;
              expect(NEXT[from]).toContain(to);
            } catch (e) {
              expect(e).toBeInstanceOf(IllegalTransitionError);
            }
          }
          expect(doc.history).toHaveLength(changes + 1);
          expect(DEPLOYMENT_STATUSES).toContain(doc.status);
        },
      ),
    );
  });

  it('makes deleted unreachable from nothing but deleting', () => {
    for (const s of DEPLOYMENT_STATUSES) expect(canTransition(s, 'deleted')).toBe(s === 'deleting');
  });
});

describe('the creation pipeline', () => {
  it('runs queued to ready, each status moving to the next by a legal transition', () => {
    expect(CREATION_ORDER[0]).toBe('queued');
    expect(CREATION_ORDER.at(-1)).toBe('ready');
    CREATION_ORDER.slice(1).forEach((to, i) => {
      expect(canTransition(CREATION_ORDER[i]!, to)).toBe(true);
    });
  });

  it.each([
    ['selecting_gpu', 'validating', true],
    ['validating', 'validating', false],
    ['queued', 'provisioning', false],
    // Settled or closing statuses are not "past" a creation step: a step ignores them instead.
    ['failed', 'validating', false],
    ['deleting', 'provisioning', false],
  ] as const)('a %s deployment is past %s: %s', (status, step, past) => {
    expect(isPast({ status }, step)).toBe(past);
  });
});
