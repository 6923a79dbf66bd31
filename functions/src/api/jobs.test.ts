import type { Deployment } from '@visgate/shared';
import { jobTarget } from './jobs';

const estimate = { family: 'sdxl' } as Deployment['estimate'];
const doc = (over: Record<string, unknown>) =>
  ({ task: 'text-to-image', estimate, ...over }) as unknown as Deployment;

describe('jobTarget: what a deployment serves, for the job checks', () => {
  it.each([
    ['an image deployment', {}, { video: false, family: 'sdxl', deploymentLoras: 0 }],
    [
      'a video deployment',
      { task: 'text-to-video', estimate: { family: 'wan' } },
      { video: true, family: 'wan', deploymentLoras: 0 },
    ],
    [
      'an image-to-image deployment with two adapters',
      { task: 'image-to-image', loras: [{}, {}] },
      { video: false, family: 'sdxl', deploymentLoras: 2 },
    ],
    [
      'a document from before tasks and adapters',
      { task: undefined },
      { video: false, family: 'sdxl', deploymentLoras: 0 },
    ],
  ])('%s', (_what, over, target) => {
    expect(jobTarget(doc(over))).toEqual(target);
  });

  it('knows nothing before validation has read the model (the ready check answers then)', () => {
    expect(jobTarget(doc({ estimate: null }))).toBeNull();
  });
});
