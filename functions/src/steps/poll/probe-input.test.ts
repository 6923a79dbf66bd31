import { JobInputSchema, checkJobForDeployment, type Deployment } from '@visgate/shared';
import { PROBE_INPUT, probeInput } from './probe-input';

const doc = (task: Deployment['task'], family: string) =>
  ({ task, estimate: { family } }) as unknown as Pick<Deployment, 'task' | 'estimate'>;

describe('probeInput', () => {
  it.each([
    ['text-to-image', 'sdxl', PROBE_INPUT],
    ['image-to-image', 'sd1', PROBE_INPUT],
    ['text-to-video', 'wan', { ...PROBE_INPUT, num_frames: 5, fps: 8, output_format: 'mp4' }],
    ['text-to-video', 'cogvideox', { ...PROBE_INPUT, num_frames: 9, fps: 8, output_format: 'mp4' }],
  ] as const)('%s on %s: the smallest job that deployment serves', (task, family, want) => {
    const input = probeInput(doc(task, family));
    expect(input).toEqual(want);
    // A probe the API itself would refuse could never prove the worker ready.
    const parsed = JobInputSchema.parse(input);
    const target = { video: task === 'text-to-video', family, deploymentLoras: 0 };
    expect(checkJobForDeployment(parsed, target)).toEqual([]);
  });
});
