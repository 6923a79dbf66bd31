import type { QueueName, TaskQueue } from '../../src/ports';
import { pollUntil } from '../poll-until';

export type ContractTaskHandler = (
  payload: Record<string, unknown>,
  meta: { name: string | null; retryCount: number },
) => Promise<void>;

export interface TaskQueueUnderTest {
  queue: TaskQueue;
  /** Routes the queue's tasks to `handler` (for GCP: the emulator POSTs to a task-target server). */
  register(queue: QueueName, handler: ContractTaskHandler): Promise<void>;
  close(): Promise<void>;
}

/** The TaskQueue contract: Cloud Tasks semantics every handler may rely on. */
export function taskQueueContract(name: string, make: () => Promise<TaskQueueUnderTest>): void {
  describe(`TaskQueue contract: ${name}`, () => {
    let sut: TaskQueueUnderTest;
    beforeEach(async () => {
      sut = await make();
    });
    afterEach(async () => {
      await sut.close();
    });

    it('delivers the payload as JSON', async () => {
      const seen: Record<string, unknown>[] = [];
      await sut.register('deployment-poll', (p) => {
        seen.push(p);
        return Promise.resolve();
      });
      await sut.queue.enqueue({
        queue: 'deployment-poll',
        payload: { deployment_id: 'dpl_t1', attempt: 2, nested: { a: [1] } },
      });
      await pollUntil(() => seen.length === 1);
      expect(seen[0]).toEqual({ deployment_id: 'dpl_t1', attempt: 2, nested: { a: [1] } });
    });

    it('runs a named task once however often it is enqueued', async () => {
      let runs = 0;
      await sut.register('deployment-poll', () => {
        runs += 1;
        return Promise.resolve();
      });
      for (let i = 0; i < 5; i += 1)
        await sut.queue.enqueue({ queue: 'deployment-poll', name: 'poll-dpl_t2-1', payload: {} });
      await sut.queue.enqueue({ queue: 'deployment-poll', name: 'poll-dpl_t2-2', payload: {} });
      await pollUntil(() => runs >= 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(runs).toBe(2);
    });

    it('retries a failing task with an increasing retry count', async () => {
      const counts: number[] = [];
      await sut.register('webhook-delivery', (_p, meta) => {
        counts.push(meta.retryCount);
        return counts.length < 3 ? Promise.reject(new Error('503')) : Promise.resolve();
      });
      await sut.queue.enqueue({ queue: 'webhook-delivery', payload: { a: 1 } });
      await pollUntil(() => counts.length >= 3, 15_000);
      expect(counts.slice(0, 3)).toEqual([0, 1, 2]);
    });

    it('does not run a delayed task before its delay', async () => {
      const ran: number[] = [];
      await sut.register('deployment-settle', () => {
        ran.push(Date.now());
        return Promise.resolve();
      });
      const start = Date.now();
      await sut.queue.enqueue({ queue: 'deployment-settle', payload: {}, delayMs: 300 });
      await pollUntil(() => ran.length === 1);
      expect(ran[0]! - start).toBeGreaterThanOrEqual(250);
    });
  });
}
