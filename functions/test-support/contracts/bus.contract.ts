import type { Bus, DeploymentMessage, Topic } from '../../src/ports';
import { pollUntil } from '../poll-until';

export interface BusUnderTest {
  bus: Bus;
  /** Delivers the topic's messages to `handler` (for GCP: a push subscription to a function server). */
  subscribe(topic: Topic, handler: (msg: DeploymentMessage) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** The Bus contract: what every handler may rely on from Pub/Sub and from the embedded bus. */
export function busContract(name: string, make: () => Promise<BusUnderTest>): void {
  describe(`Bus contract: ${name}`, () => {
    let sut: BusUnderTest;
    beforeEach(async () => {
      sut = await make();
    });
    afterEach(async () => {
      await sut.close();
    });

    it('delivers a published message to its topic only, carrying the deployment id', async () => {
      const seen: string[] = [];
      const other: string[] = [];
      await sut.subscribe('deployment-validate', (m) => {
        seen.push(m.deployment_id);
        return Promise.resolve();
      });
      await sut.subscribe('deployment-teardown', (m) => {
        other.push(m.deployment_id);
        return Promise.resolve();
      });
      await sut.bus.publish('deployment-validate', { deployment_id: 'dpl_bus1' });
      await pollUntil(() => seen.length >= 1);
      expect(seen[0]).toBe('dpl_bus1');
      expect(other).toEqual([]);
    });

    it('redelivers a message whose handler threw until it succeeds', async () => {
      let calls = 0;
      await sut.subscribe('deployment-provision', () => {
        calls += 1;
        return calls < 3 ? Promise.reject(new Error('transient')) : Promise.resolve();
      });
      await sut.bus.publish('deployment-provision', { deployment_id: 'dpl_bus2' });
      await pollUntil(() => calls >= 3, 15_000);
      expect(calls).toBeGreaterThanOrEqual(3);
    });
  });
}
