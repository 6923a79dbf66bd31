import type { DeploymentLora } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { workerDiskGb, workerEnv } from './worker-env';

const opts = { eventsUrl: 'https://x.test/ev', eventsToken: 'tok', hfToken: 'hf_user_token' };
const adapter = (over: Partial<DeploymentLora> = {}): DeploymentLora => ({
  hf_repo: 'org/style-lora',
  revision: 'main',
  weight_name: null,
  scale: 0.7,
  revision_sha: 'a'.repeat(40),
  file: 'pytorch_lora_weights.safetensors',
  bytes: 200_000_000,
  base_family: 'sdxl',
  needs_token: false,
  ...over,
});
const publicModel = {
  gated: false as const,
  private: false,
  library_name: 'diffusers',
  pipeline_tag: 'text-to-image',
  total_file_bytes: 10e9,
};

describe('workerEnv', () => {
  it('hands the adapters over as VISGATE_LORAS, in order, pinned to the resolved commit', () => {
    const doc = aDeployment({
      task: 'image-to-image',
      model: publicModel,
      loras: [adapter(), adapter({ hf_repo: 'org/b', file: 'b.safetensors', scale: -1 })],
    });
    const env = workerEnv(doc, opts);
    expect(env.VISGATE_TASK).toBe('image-to-image');
    expect(JSON.parse(env.VISGATE_LORAS!)).toEqual([
      {
        name: 'lora_0',
        repo: 'org/style-lora',
        revision: 'a'.repeat(40),
        file: 'pytorch_lora_weights.safetensors',
        scale: 0.7,
        bytes: 200_000_000,
      },
      {
        name: 'lora_1',
        repo: 'org/b',
        revision: 'a'.repeat(40),
        file: 'b.safetensors',
        scale: -1,
        bytes: 200_000_000,
      },
    ]);
  });

  it.each([
    ['a public model and public adapters', [adapter()], false],
    ['a gated or private adapter', [adapter(), adapter({ needs_token: true })], true],
    ['no adapters', [], false],
  ])('passes HF_TOKEN for %s: %s', (_what, loras, expected) => {
    const env = workerEnv(aDeployment({ model: publicModel, loras }), opts);
    expect(env.HF_TOKEN !== undefined).toBe(expected);
    expect(env.VISGATE_LORAS !== undefined).toBe(loras.length > 0);
  });

  it('lets a job name loopback image and adapter URLs only where webhooks may (local mode)', () => {
    const doc = aDeployment({ model: publicModel });
    expect(workerEnv(doc, opts).VISGATE_ALLOW_PRIVATE_URLS).toBeUndefined();
    expect(
      workerEnv(doc, { ...opts, allowPrivateUrls: false }).VISGATE_ALLOW_PRIVATE_URLS,
    ).toBeUndefined();
    expect(workerEnv(doc, { ...opts, allowPrivateUrls: true }).VISGATE_ALLOW_PRIVATE_URLS).toBe(
      '1',
    );
  });

  it('sizes the disk for the adapters too', () => {
    const without = workerDiskGb(aDeployment({ model: publicModel }), 20);
    const withLoras = workerDiskGb(
      aDeployment({ model: publicModel, loras: [adapter({ bytes: 5e9 })] }),
      20,
    );
    expect(withLoras).toBe(without + 6);
  });
});
