import {
  describeProgress,
  SETTLED_STATUSES,
  type DeploymentStatus,
  type PublicDeployment,
} from '@visgate/shared';
import type { Ctx } from './context';
import { EXIT } from './errors';
import { followDeployment } from './follow';
import { createDeploymentView, readyLine } from './progress-line';
import { createProgress, duration, TAIL } from './render';

/** What a Ctrl-C while following prints: the deployment goes on, and how to follow or delete it. */
export function interruptNote(id: string, deleting: boolean): string {
  return deleting
    ? `visgate: stopped following ${id}; its deletion goes on.\n  follow it again:  visgate wait ${id}\n`
    : `visgate: stopped following ${id}; the deployment goes on (and bills while its workers run).\n` +
        `  follow it again:  visgate wait ${id}\n` +
        `  delete it:        visgate delete ${id}\n`;
}

/**
 * Follows a deployment with live progress on stderr until one of `until`, timing from `startedAt`
 * (the user's action). Ctrl-C stops following, says what goes on and how to get back, and exits
 * 130. Returns the last document and its one final line (which the caller prints once, where it
 * belongs: stderr for deploy, stdout for resume/delete/wait).
 */
export async function watchDeployment(
  ctx: Ctx,
  id: string,
  opts: {
    until: readonly DeploymentStatus[];
    startedAt: number;
    estimatedReadyS?: number | null;
    deleting?: boolean;
  },
): Promise<{ doc: PublicDeployment; finalLine: string; finish: (line?: string) => void }> {
  const progress = createProgress(ctx.stderr, { tickMs: ctx.stderr.isTTY ? 1000 : 0 });
  const view = createDeploymentView(progress, opts.startedAt, opts.estimatedReadyS ?? null);
  const undo = ctx.onInterrupt(() => {
    progress.stop();
    ctx.stderr.write(interruptNote(id, opts.deleting ?? false));
    process.exit(EXIT.interrupted);
  });
  try {
    // The document it stops at is the final line, printed once by the caller; never live as well.
    const show = (d: PublicDeployment): void => {
      if (!opts.until.includes(d.status) && !SETTLED_STATUSES.includes(d.status)) view.show(d);
    };
    const doc = await followDeployment(ctx.client, id, opts.until, show, {
      ...ctx.config,
      onOffline: (since) => {
        if (since === null) return;
        progress.update(
          (now) =>
            `${'reconnecting'.padEnd(13)} the visgate API at ${ctx.client.baseUrl} is not answering; retrying${TAIL}${duration(now - since)}`,
          'offline',
        );
      },
    });
    const finalLine =
      doc.status === 'ready' ? readyLine(doc, Date.now() - opts.startedAt) : describeProgress(doc);
    return {
      doc,
      finalLine,
      finish: (line) => {
        progress.finish(line);
      },
    };
  } catch (e) {
    progress.stop();
    throw e;
  } finally {
    undo();
  }
}
