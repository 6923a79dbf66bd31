import { describeProgress, type PublicDeployment } from '@visgate/shared';
import { duration, TAIL, type Progress } from './render';

const GB = 1e9;

/** The step a document is at: a new one starts a new line in a pipe and a kept line on a TTY. */
export const stepKey = (d: PublicDeployment): string => `${d.status}/${d.progress.stage}`;

/**
 * The final line of a deployment reaching ready, timed from the action the user just took (a
 * resume reports the time since the resume, not since the deployment was created).
 */
export function readyLine(d: PublicDeployment, elapsedMs: number): string {
  return describeProgress(d, duration(elapsedMs));
}

/** Seconds left, when the document or the step's history says: download rate, or a past load. */
export function etaSeconds(
  d: PublicDeployment,
  stepMs: number,
  elapsedMs: number,
  estimatedReadyS: number | null,
): number | null {
  const p = d.progress;
  if (p.stage === 'downloading' && p.bytes_total && p.throughput_bytes_per_s) {
    return Math.max(0, (p.bytes_total - (p.bytes_done ?? 0)) / p.throughput_bytes_per_s);
  }
  if ((p.stage === 'loading' || p.stage === 'warming_up') && d.timings.load_s !== null) {
    return Math.max(0, d.timings.load_s - stepMs / 1000);
  }
  // The create answer's estimate, only once a worker is on its way (before, it is all guesswork).
  if (estimatedReadyS !== null && d.status === 'loading') {
    const left = estimatedReadyS - elapsedMs / 1000;
    return left > 0 ? left : null;
  }
  return null;
}

/**
 * One line for a live document: where it stands (the shared wording), then the time since the
 * user's action and, while downloading or loading, an ETA. In a pipe the download bar (which would
 * be stale at once) becomes the size to fetch.
 */
export function liveLine(
  d: PublicDeployment,
  at: { elapsedMs: number; stepMs: number; tty: boolean; estimatedReadyS: number | null },
): string {
  if (d.status === 'ready') return readyLine(d, at.elapsedMs);
  let line = describeProgress(d);
  const p = d.progress;
  if (!at.tty && d.status === 'loading' && p.stage === 'downloading' && p.bytes_total) {
    const gpu = d.gpu ? `${d.gpu.pool} $${d.gpu.price_per_hour_usd.toFixed(3)}/h  ` : '';
    line = `${'loading'.padEnd(13)} ${gpu}downloading ${(p.bytes_total / GB).toFixed(2)} GB of weights`;
  }
  if (['ready', 'paused', 'failed', 'deleted'].includes(d.status)) return line;
  const eta = at.tty ? etaSeconds(d, at.stepMs, at.elapsedMs, at.estimatedReadyS) : null;
  return `${line}${TAIL}${duration(at.elapsedMs)}${eta !== null ? `, ETA ~${duration(eta * 1000)}` : ''}`;
}

/**
 * Feeds documents into a progress display, timing from `startedAt` (the user's action) and each
 * step from when it was first seen.
 */
export function createDeploymentView(
  progress: Progress,
  startedAt: number,
  estimatedReadyS: number | null = null,
) {
  let key: string | null = null;
  let stepStarted = startedAt;
  return {
    show(d: PublicDeployment): void {
      const k = stepKey(d);
      if (k !== key) stepStarted = Date.now();
      key = k;
      const since = stepStarted;
      progress.update(
        (now, tty) =>
          liveLine(d, {
            elapsedMs: now - startedAt,
            stepMs: now - since,
            tty,
            estimatedReadyS,
          }),
        k,
      );
    },
  };
}

/**
 * When the current episode of a deployment began, from its history: its creation, or the last
 * resume or delete. `wait` re-attaching to a deployment times from there.
 */
export function episodeStart(d: PublicDeployment): number {
  for (const h of [...d.history].reverse()) {
    if (h.from === null || h.from === 'paused' || h.to === 'deleting' || h.to === 'queued') {
      return Date.parse(h.at);
    }
  }
  return Date.parse(d.created_at);
}
