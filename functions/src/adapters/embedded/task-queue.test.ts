import { waitUntil } from '@visgate/sim';
import { createMemoryLogger } from '../log/json-logger';
import { createEmbeddedTaskQueue } from './task-queue';

describe('embedded task queue', () => {
  it('runs a named task once however often it is enqueued', async () => {
    const q = createEmbeddedTaskQueue({ log: createMemoryLogger() });
    let runs = 0;
    q.register('deployment-poll', () => {
      runs += 1;
      return Promise.resolve();
    });
    for (let i = 0; i < 5; i += 1)
      await q.enqueue({ queue: 'deployment-poll', name: 'poll-a-1', payload: {} });
    await waitUntil(() => q.isIdle());
    expect(runs).toBe(1);
    q.close();
  });

  it('retries a failing task with an increasing retry count', async () => {
    const q = createEmbeddedTaskQueue({ log: createMemoryLogger(), retryMinMs: 1, retryMaxMs: 2 });
    const counts: number[] = [];
    q.register('webhook-delivery', (_p, meta) => {
      counts.push(meta.retryCount);
      return counts.length < 3 ? Promise.reject(new Error('503')) : Promise.resolve();
    });
    await q.enqueue({ queue: 'webhook-delivery', payload: { a: 1 } });
    await waitUntil(() => counts.length === 3 && q.isIdle());
    expect(counts).toEqual([0, 1, 2]);
    q.close();
  });

  it('does not run a delayed task before its delay', async () => {
    const q = createEmbeddedTaskQueue({ log: createMemoryLogger() });
    const ran: number[] = [];
    q.register('deployment-settle', () => {
      ran.push(Date.now());
      return Promise.resolve();
    });
    const start = Date.now();
    await q.enqueue({ queue: 'deployment-settle', payload: {}, delayMs: 30 });
    await waitUntil(() => ran.length === 1);
    expect(ran[0]! - start).toBeGreaterThanOrEqual(25);
    q.close();
  });
});
