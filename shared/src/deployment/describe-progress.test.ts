import { aDeployment } from '../testing/a-deployment';
import { publicDeployment } from '../schemas/deployment';
import { describeProgress } from './describe-progress';

function readyFrom(source: string | null) {
  const base = aDeployment();
  return publicDeployment({
    ...base,
    status: 'ready',
    progress: { ...base.progress, stage: 'ready', source },
    timings: { ...base.timings, fetch_s: 0, load_s: 0.94, seconds_to_ready: 2.04 },
  });
}

describe('describeProgress', () => {
  it('says where a ready model was loaded from and how long each phase took', () => {
    expect(describeProgress(readyFrom('runpod_cache'))).toMatch(
      /^ready\s+ model in VRAM from runpod_cache \(fetch 0\.0 s, load 0\.9 s\); ready 2\.0 s after the request$/,
    );
  });

  it("leaves out provision's explanatory source text, which the worker had no chance to replace", () => {
    const line = describeProgress(readyFrom('huggingface (cache:private miss, fill queued)'));
    expect(line).toContain('model in VRAM (fetch');
    expect(line).not.toContain('from');
  });
});
