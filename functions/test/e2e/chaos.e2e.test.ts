import { runChaos } from '@visgate/sim';

jest.setTimeout(180_000);

describe('chaos run (fixed seed, small)', () => {
  it('brings every deployment to a terminal state with no duplicate endpoint, no orphan and no lost webhook under ≥ 20 % faults', async () => {
    const r = await runChaos({ seed: 7, deployments: 40, concurrency: 20, faultRate: 0.25 });
    expect(r.faultShare).toBeGreaterThanOrEqual(0.2);
    expect(r.faults['lost-response'] + r.faults['crash-after-side-effect']).toBeGreaterThan(0);
    expect(r.terminal).toBe(r.deployments);
    expect(r.duplicateEndpoints).toBe(0);
    expect(r.orphansBeforeReaper).toBeGreaterThanOrEqual(r.orphansPlanted);
    expect(r.orphansAtEnd).toBe(0);
    expect(r.webhooksLost).toBe(0);
    expect(r.webhooksMultipleIds).toBe(0);
  });
});
