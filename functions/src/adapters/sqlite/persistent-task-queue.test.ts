import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '../log/json-logger';
import { createEmbeddedTaskQueue, type PendingTask } from '../embedded/task-queue';
import { openLocalDatabase, sqliteTable } from './local-database';

// A restart of the local server must not drop scheduled work: the next poll of a loading
// deployment, a webhook retry due tomorrow, the settle step. The queue keeps pending tasks and
// taken names in the database file and runs what was pending when it comes back.

const dir = mkdtempSync(join(tmpdir(), 'visgate-queue-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function queueOn(path: string) {
  const db = openLocalDatabase(path);
  const queue = createEmbeddedTaskQueue({
    log: createMemoryLogger('silent'),
    retryMinMs: 1,
    retryMaxMs: 2,
    persist: {
      pending: sqliteTable<PendingTask>(db, 'pending_tasks'),
      names: sqliteTable<number>(db, 'task_names'),
    },
  });
  return { db, queue };
}

const settled = (q: { isIdle(): boolean }) =>
  new Promise<void>((resolve) => {
    const check = (): void => {
      if (q.isIdle()) resolve();
      else setTimeout(check, 5);
    };
    check();
  });

describe('a task queue on the local database', () => {
  it('schedules again after a restart the tasks that were pending, at their due time, and keeps their names taken', async () => {
    const path = join(dir, 'restart.db');
    const before = queueOn(path);
    before.queue.register('deployment-poll', () => Promise.reject(new Error('not this process')));
    await before.queue.enqueue({
      queue: 'deployment-poll',
      name: 'poll-dpl_a-3',
      payload: { deployment_id: 'dpl_a', attempt: 3 },
      delayMs: 60_000,
    });
    before.queue.close(); // the process stops before the task is due
    before.db.close();

    const after = queueOn(path);
    const ran: unknown[] = [];
    after.queue.register('deployment-poll', (payload) => {
      ran.push(payload);
      return Promise.resolve();
    });
    // Enqueued again by a duplicate scheduler after the restart: the name is still taken.
    await after.queue.enqueue({ queue: 'deployment-poll', name: 'poll-dpl_a-3', payload: {} });
    expect(after.queue.resume()).toBe(1);
    // Due in a minute; a shorter wait proves it is scheduled, not run at once.
    await new Promise((r) => setTimeout(r, 30));
    expect(ran).toEqual([]);
    after.queue.close();
    after.db.close();
  });

  it('runs at once a task whose time passed while the server was down, and forgets it after', async () => {
    const path = join(dir, 'overdue.db');
    const before = queueOn(path);
    before.queue.register('deployment-settle', () => Promise.reject(new Error('crash')));
    await before.queue.enqueue({ queue: 'deployment-settle', payload: { deployment_id: 'dpl_b' } });
    await new Promise((r) => setTimeout(r, 20)); // it failed here and waits for its retry
    before.queue.close();
    before.db.close();

    const after = queueOn(path);
    const ran: { payload: unknown; retryCount: number }[] = [];
    after.queue.register('deployment-settle', (payload, meta) => {
      ran.push({ payload, retryCount: meta.retryCount });
      return Promise.resolve();
    });
    expect(after.queue.resume()).toBe(1);
    await settled(after.queue);
    expect(ran).toHaveLength(1);
    expect(ran[0]?.payload).toEqual({ deployment_id: 'dpl_b' });
    expect(ran[0]?.retryCount).toBeGreaterThan(0);
    expect(after.queue.resume()).toBe(0); // done: nothing left to resume
    after.queue.close();
    after.db.close();
  });
});
