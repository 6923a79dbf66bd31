import { AppError } from '@visgate/shared';
import { startHfSim, type HfSim, type RepoFixture } from '@visgate/sim';
import type { ModelHub } from '../../ports';
import { createHubClient } from './hub-client';

const LICENSEE = 'hf_accepted_the_lora_licence';
const ORG_MEMBER = 'hf_member_of_the_lora_org';

const lora = (id: string, extra: Partial<RepoFixture> = {}): RepoFixture => ({
  id,
  sha: 'aa11bb22cc33dd44ee55ff6677889900aabbccdd',
  libraryName: 'diffusers',
  pipelineTag: 'text-to-image',
  files: [
    {
      path: 'pytorch_lora_weights.safetensors',
      safetensors: [
        {
          dtype: 'F16',
          params: 8 * 768,
          named: [{ name: 'unet.a.attn2.to_k.lora_A.weight', shape: [8, 768] }],
        },
      ],
    },
  ],
  ...extra,
});

let sim: HfSim;
let hub: ModelHub;

beforeAll(async () => {
  sim = await startHfSim();
  sim.addRepo(lora('visgate-test/gated-lora', { gated: 'manual' }));
  sim.addRepo(lora('visgate-test/private-lora', { private: true }));
  sim.addRepo(
    lora('visgate-test/two-files', {
      files: [
        { path: 'a.safetensors', safetensors: [{ dtype: 'F16', params: 16 }] },
        { path: 'b.safetensors', safetensors: [{ dtype: 'F16', params: 16 }] },
      ],
    }),
  );
  sim.addRepo(
    lora('visgate-test/corrupt-lora', {
      files: [
        { path: 'lora.safetensors', rawBase64: Buffer.from('not a header').toString('base64') },
      ],
    }),
  );
  sim.addToken(LICENSEE, { canAccessGated: ['visgate-test/gated-lora'] });
  sim.addToken(ORG_MEMBER, { canSeePrivate: ['visgate-test/private-lora'] });
  hub = createHubClient({ hubUrl: sim.url, timeoutMs: 5_000 });
});
afterAll(() => sim.close());

const inspect = (repo: string, token: string | null = null, weightName: string | null = null) =>
  hub.inspectLora(repo, { revision: 'main', token, weightName });

describe('createHubClient().inspectLora', () => {
  it("reads an SDXL adapter's commit, file, header tensors and card base_model, reading only the header", async () => {
    sim.clearRequests();
    const r = await inspect('latent-consistency/lcm-lora-sdxl');
    const repo = sim.repo('latent-consistency/lcm-lora-sdxl')!;
    expect(r).toMatchObject({
      repo: 'latent-consistency/lcm-lora-sdxl',
      revisionSha: repo.fixture.sha,
      gated: false,
      private: false,
      file: 'pytorch_lora_weights.safetensors',
      bytes: repo.files.get('pytorch_lora_weights.safetensors')!.size,
      baseModel: 'stabilityai/stable-diffusion-xl-base-1.0',
    });
    expect(r.tensors).toContainEqual({
      name: 'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight',
      shape: [64, 2048],
    });
    const reads = sim.requests.filter((q) => q.kind === 'resolve');
    expect(reads.length).toBeGreaterThan(0);
    for (const q of reads) {
      expect(q.revision).toBe(repo.fixture.sha);
      expect(q.range).toMatch(/^bytes=0-/);
    }
  });

  it.each([
    ['a missing repo', 'nobody-here/no-lora', null, null, 'LORA_NOT_FOUND'],
    ['a private repo without a token', 'visgate-test/private-lora', null, null, 'LORA_NOT_FOUND'],
    ['a gated repo without a token', 'visgate-test/gated-lora', null, null, 'MODEL_GATED'],
    [
      'a gated repo with a token lacking the grant',
      'visgate-test/gated-lora',
      ORG_MEMBER,
      null,
      'MODEL_GATED',
    ],
    [
      'several safetensors files and no weight_name',
      'visgate-test/two-files',
      null,
      null,
      'LORA_INVALID',
    ],
    [
      'a weight_name that is not there',
      'latent-consistency/lcm-lora-sdxl',
      null,
      'x.safetensors',
      'LORA_INVALID',
    ],
    ['pickle weights only', 'visgate-test/pickle-lora', null, null, 'LORA_INVALID'],
    ['a corrupt header', 'visgate-test/corrupt-lora', null, null, 'LORA_INVALID'],
  ])('refuses %s with %s', async (_what, repo, token, weightName, code) => {
    const err = await inspect(repo, token, weightName).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    expect((err as AppError).message).toContain(repo);
  });

  it.each([
    ['a gated repo with an accepted licence', 'visgate-test/gated-lora', LICENSEE],
    ['a private repo with a member token', 'visgate-test/private-lora', ORG_MEMBER],
  ])('reads %s', async (_what, repo, token) => {
    const r = await inspect(repo, token);
    expect(r.file).toBe('pytorch_lora_weights.safetensors');
  });

  it('takes the named file among several', async () => {
    const r = await inspect('visgate-test/two-files', null, 'b.safetensors');
    expect(r).toMatchObject({ file: 'b.safetensors', params: 16, baseModel: null });
  });
});
