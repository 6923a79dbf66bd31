import { publicDeployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { spendLine } from './manage';

const GPU = {
  pool: 'ADA_24',
  fallback_pools: [],
  price_per_hour_usd: 0.69,
  usable_vram_bytes: 1,
  skipped: [],
};

describe('spendLine', () => {
  it.each([
    [0, null, 'spent     $0 (none recorded yet: worker time is added at each periodic cost check)'],
    [0.000412, null, 'spent     $0.00041 (worker time up to the last periodic cost check)'],
    [
      1.234,
      5,
      'spent     $1.23 of a $5.00 budget (worker time up to the last periodic cost check)',
    ],
  ])('spent %d with budget %s', (spent, budget, line) => {
    const base = aDeployment();
    const d = publicDeployment({
      ...base,
      gpu: GPU as never,
      cost: { price_per_hour_usd: 0.69, spent_usd: spent },
      settings: { ...base.settings, budget_usd: budget },
    });
    expect(spendLine(d)).toBe(line);
  });

  it('says nothing before a GPU is chosen', () => {
    expect(spendLine(publicDeployment(aDeployment()))).toBeNull();
  });
});
