import {
  fileDownloadInfo,
  downloadFile,
  fileExists,
  listFiles,
  modelInfo,
  pathsInfo,
} from '@huggingface/hub';
import { summarizeSafetensorsHeader } from '@visgate/shared';
import { PARAMS, startHfSim, type HfSim } from './index';

let sim: HfSim;
const TOKEN = 'hf_flux_dev_licensee';
const repo = { type: 'model' as const, name: 'visgate-test/tiny-sd' };

beforeAll(async () => {
  sim = await startHfSim();
  sim.addToken(TOKEN, { canAccessGated: ['black-forest-labs/FLUX.1-dev'] });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.set({ errorRate5xx: 0, rate429: 0, down: false });
});

describe('startHfSim', () => {
  it('answers @huggingface/hub modelInfo with the fixture sha and fields', async () => {
    const info = await modelInfo({
      name: repo.name,
      hubUrl: sim.url,
      additionalFields: ['sha', 'library_name'],
    });
    expect(info).toMatchObject({
      name: 'visgate-test/tiny-sd',
      sha: '5747fa5d68420e59ab26e829eb065df11231d77d',
      library_name: 'diffusers',
      gated: false,
      private: false,
    });
  });

  it("returns a card's metadata as cardData, and none for a card without it", async () => {
    const lora = await modelInfo({
      name: 'latent-consistency/lcm-lora-sdxl',
      hubUrl: sim.url,
      additionalFields: ['cardData'],
    });
    expect(lora.cardData).toMatchObject({
      base_model: 'stabilityai/stable-diffusion-xl-base-1.0',
    });
    const plain = await modelInfo({
      name: repo.name,
      hubUrl: sim.url,
      additionalFields: ['cardData'],
    });
    expect(plain.cardData).toBeUndefined();
  });

  it('lists a recursive tree with LFS sizes and directories', async () => {
    const entries = [];
    for await (const e of listFiles({ repo, recursive: true, hubUrl: sim.url })) entries.push(e);
    expect(entries.find((e) => e.path === 'unet')).toMatchObject({ type: 'directory' });
    const unet = entries.find((e) => e.path === 'unet/diffusion_pytorch_model.safetensors');
    expect(unet?.lfs?.size).toBe(unet?.size);
  });

  it('serves fileDownloadInfo, downloadFile, fileExists and pathsInfo', async () => {
    const info = await fileDownloadInfo({ repo, path: 'model_index.json', hubUrl: sim.url });
    const blob = await downloadFile({ repo, path: 'model_index.json', hubUrl: sim.url });
    expect(info?.size).toBe(blob?.size);
    expect(JSON.parse(await blob!.text())).toMatchObject({
      _class_name: 'StableDiffusionPipeline',
    });
    expect(await fileExists({ repo, path: 'vae/config.json', hubUrl: sim.url })).toBe(true);
    expect(await fileExists({ repo, path: 'nope.json', hubUrl: sim.url })).toBe(false);
    const paths = await pathsInfo({ repo, paths: ['vae/config.json', 'missing'], hubUrl: sim.url });
    expect(paths.map((p) => p.path)).toEqual(['vae/config.json']);
  });

  it('serves a virtual safetensors header by Range and zeros after it', async () => {
    const url = `${sim.url}/stabilityai/sd-turbo/resolve/main/unet/diffusion_pytorch_model.fp16.safetensors`;
    const res = await fetch(url, { headers: { Range: 'bytes=0-99999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('x-repo-commit')).toBe('60bdbed7d6aefd5666eb7ec0c4b5f8827e8e924d');
    const buf = Buffer.from(await res.arrayBuffer());
    const n = Number(buf.readBigUInt64LE(0));
    const summary = summarizeSafetensorsHeader(JSON.parse(buf.subarray(8, 8 + n).toString()));
    expect(summary).toMatchObject({ params: PARAMS.sd2Unet, bytes: PARAMS.sd2Unet * 2 });
    const size = Number(res.headers.get('content-range')?.split('/')[1]);
    expect(size).toBe(8 + n + summary.bytes);
    const tail = await fetch(url, { headers: { Range: `bytes=${size - 16}-${size + 100}` } });
    expect(tail.headers.get('content-range')).toBe(`bytes ${size - 16}-${size - 1}/${size}`);
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(Buffer.alloc(16));
    expect((await fetch(url, { headers: { Range: `bytes=${size}-` } })).status).toBe(416);
  });

  it('refuses a full download of a large weight file with 416', async () => {
    const res = await fetch(
      `${sim.url}/stabilityai/sd-turbo/resolve/main/vae/diffusion_pytorch_model.safetensors`,
    );
    expect(res.status).toBe(416);
    expect(res.headers.get('x-error-code')).toBe('SimTooLarge');
  });

  it.each([
    [
      'an anonymous caller of a private repo',
      'acme-corp/private-diffusion',
      undefined,
      401,
      'RepoNotFound',
    ],
    ['a missing repo', 'nobody/nothing', undefined, 401, 'RepoNotFound'],
    [
      'an anonymous caller of a gated file',
      'black-forest-labs/FLUX.1-schnell',
      undefined,
      200,
      null,
    ],
    [
      'an anonymous caller of a gated repo file',
      'black-forest-labs/FLUX.1-dev',
      undefined,
      401,
      'GatedRepo',
    ],
    ['a licensee of a gated repo file', 'black-forest-labs/FLUX.1-dev', TOKEN, 200, null],
  ])('answers %s', async (_case, id, token, status, code) => {
    const res = await fetch(`${sim.url}/${id}/resolve/main/model_index.json`, {
      method: 'HEAD',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    expect([res.status, res.headers.get('x-error-code')]).toEqual([status, code]);
  });

  it('answers 403 GatedRepo to auth-check for a user without the licence', async () => {
    sim.addToken('hf_someone', {});
    const res = await fetch(`${sim.url}/api/models/black-forest-labs/FLUX.1-dev/auth-check`, {
      headers: { Authorization: 'Bearer hf_someone' },
    });
    expect([res.status, res.headers.get('x-error-code')]).toEqual([403, 'GatedRepo']);
  });

  it('answers 404 RevisionNotFound for an unknown revision', async () => {
    const res = await fetch(`${sim.url}/api/models/visgate-test/tiny-sd/revision/nope`);
    expect([res.status, res.headers.get('x-error-code')]).toEqual([404, 'RevisionNotFound']);
  });

  it('injects outages and seeded 5xx', async () => {
    sim.set({ down: true });
    expect((await fetch(`${sim.url}/api/models/visgate-test/tiny-sd`)).status).toBe(503);
    sim.set({ down: false, errorRate5xx: 1 });
    expect(
      (await fetch(`${sim.url}/api/models/visgate-test/tiny-sd`)).status,
    ).toBeGreaterThanOrEqual(500);
  });

  it('logs each request with its kind, revision, range and auth', async () => {
    sim.clearRequests();
    await fetch(`${sim.url}/visgate-test/tiny-sd/resolve/main/vae/config.json`, {
      headers: { Range: 'bytes=0-0' },
    });
    expect(sim.requests).toEqual([
      expect.objectContaining({
        kind: 'resolve',
        revision: 'main',
        range: 'bytes=0-0',
        hasAuth: false,
        status: 206,
      }),
    ]);
  });
});
