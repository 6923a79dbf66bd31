import { waitUntil } from '@visgate/sim';
import { createMemoryLogger } from '../log/json-logger';
import { createEmbeddedBus } from './bus';

describe('embedded bus', () => {
  it('redelivers a message whose handler threw until it succeeds', async () => {
    const bus = createEmbeddedBus({ log: createMemoryLogger(), retryMinMs: 1, retryMaxMs: 2 });
    let calls = 0;
    bus.subscribe('deployment-validate', () => {
      calls += 1;
      return calls < 3 ? Promise.reject(new Error('transient')) : Promise.resolve();
    });
    await bus.publish('deployment-validate', { deployment_id: 'dpl_x' });
    await waitUntil(() => calls === 3 && bus.isIdle());
    expect(calls).toBe(3);
    bus.close();
  });

  it('tells the handler which attempt it is and dead-letters the message after maxDeliveryAttempts', async () => {
    const log = createMemoryLogger();
    const bus = createEmbeddedBus({ log, retryMinMs: 1, retryMaxMs: 2, maxDeliveryAttempts: 4 });
    const attempts: number[] = [];
    bus.subscribe('deployment-validate', (_m, delivery) => {
      attempts.push(delivery.attempt);
      return Promise.reject(new Error('poison'));
    });
    await bus.publish('deployment-validate', { deployment_id: 'dpl_poison' });
    await waitUntil(() => attempts.length >= 4 && bus.isIdle());
    await new Promise((r) => setTimeout(r, 30));
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(bus.isIdle()).toBe(true);
    expect(log.lines.some((l) => l.includes('dead-lettered') && l.includes('dpl_poison'))).toBe(
      true,
    );
    bus.close();
  });

  it('delivers every message twice when duplicate delivery is on', async () => {
    const bus = createEmbeddedBus({ log: createMemoryLogger(), duplicateDelivery: true });
    const seen: string[] = [];
    bus.subscribe('deployment-provision', (m) => {
      seen.push(m.deployment_id);
      return Promise.resolve();
    });
    await bus.publish('deployment-provision', { deployment_id: 'dpl_y' });
    await waitUntil(() => seen.length === 2 && bus.isIdle());
    expect(seen).toEqual(['dpl_y', 'dpl_y']);
    bus.close();
  });

  it('gives each delivery its own copy of the message', async () => {
    const bus = createEmbeddedBus({ log: createMemoryLogger(), duplicateDelivery: true });
    const seen: string[] = [];
    bus.subscribe('deployment-teardown', (m) => {
      seen.push(m.deployment_id);
      m.deployment_id = 'mutated';
      return Promise.resolve();
    });
    await bus.publish('deployment-teardown', { deployment_id: 'dpl_z' });
    await waitUntil(() => seen.length === 2);
    expect(seen).toEqual(['dpl_z', 'dpl_z']);
    bus.close();
  });
});
