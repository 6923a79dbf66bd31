import { runLoad } from '@visgate/sim';

jest.setTimeout(120_000);

describe('concurrent POSTs', () => {
  it('accepts every one of 300 concurrent requests exactly once, and a retry with the same key replays it', async () => {
    const r = await runLoad(300);
    expect(r.otherStatuses).toEqual({});
    expect(r.accepted).toBe(300);
    expect(r.documents).toBe(300);
    expect(r.duplicateIds).toBe(0);
    expect(r.replayed).toBe(300);
    expect(r.mismatchedReplays).toBe(0);
  });
});
