import request from 'supertest';
import {
  parseS3Url,
  revisionKeyBase,
  runpodResourceName,
  workerManifestKey,
} from '@visgate/shared';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Store } from '../../src/adapters/s3/s3-store';
import { startLocalSystem, type LocalSystem, startS3Server, type S3Server } from '@visgate/sim';

jest.setTimeout(60_000);

const MODEL = 'visgate-test/tiny-sd';

async function createBucket(server: S3Server, name: string): Promise<void> {
  const c = new S3Client({
    region: 'us-east-1',
    endpoint: server.url,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  await c.send(new CreateBucketCommand({ Bucket: name }));
  c.destroy();
}

async function deploy(sys: LocalSystem, body: Record<string, unknown>): Promise<string> {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send({ hf_model_id: MODEL, ...body });
  expect(res.status).toBe(202);
  return (res.body as { deployment_id: string }).deployment_id;
}

interface ModelSource {
  type: string;
  manifest_url?: string;
  manifest_endpoint?: string;
}

function templateEnv(sys: LocalSystem, id: string): Record<string, string> {
  const name = runpodResourceName(id);
  return sys.runpod.account(sys.apiKey).templates.find((x) => x.name === name)?.env ?? {};
}

function modelSources(sys: LocalSystem, id: string): ModelSource[] {
  return JSON.parse(templateEnv(sys, id).VISGATE_MODEL_SOURCES ?? '[]') as ModelSource[];
}

const eventsToken = (sys: LocalSystem, id: string): string =>
  templateEnv(sys, id).VISGATE_EVENTS_TOKEN ?? '';

/** What a worker starting now gets from the fresh-manifest endpoint (with its events token). */
async function freshManifest(
  sys: LocalSystem,
  id: string,
  token = eventsToken(sys, id),
): Promise<{ status: number; body: unknown }> {
  const res = await request(sys.url)
    .get(`/internal/worker-manifest/${id}`)
    .set('Authorization', `Bearer ${token}`);
  return { status: res.status, body: res.body as unknown };
}

const CACHE_ENV = { CACHE_VERIFY_LFS_OID: 'false' }; // the HF simulator's LFS oids are stand-ins

describe('deployments with a model cache (moto S3 on loopback)', () => {
  let s3: S3Server;
  let sys: LocalSystem | null = null;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3.stop();
  });
  afterEach(async () => {
    await sys?.close();
    sys = null;
  });

  it('private scope: the first deployment misses and fills, the next one gets presigned cache URLs', async () => {
    await createBucket(s3, 'user-models');
    sys = await startLocalSystem({ env: CACHE_ENV });
    const cache = {
      scope: 'private',
      s3_url: 's3://user-models/cache',
      endpoint_url: s3.url,
      access_key_id: s3.accessKeyId,
      secret_access_key: s3.secretAccessKey,
    };
    const first = await deploy(sys, { cache });
    await sys.waitForDoc(first, (d) => d.progress.source !== null, 10_000, 'source chosen');
    expect((await sys.system.store.get(first))?.progress.source).toBe(
      'huggingface (cache:private miss, fill queued)',
    );
    await sys.waitForStatus(first, ['ready', 'failed']);
    // On a miss the worker still gets the fresh-manifest endpoint: nothing is there yet...
    const [missSource] = modelSources(sys, first);
    expect(missSource).toEqual({
      type: 's3',
      manifest_endpoint: `${sys.url}/internal/worker-manifest/${first}`,
    });
    const miss = await freshManifest(sys, first);
    expect(miss.status).toBe(404);
    expect(miss.body).toMatchObject({ code: 'NOT_FOUND', detail: 'no complete cached copy yet' });
    await sys.quiesce(20_000); // the fill task ran on the embedded queue
    // ...and once the fill is done, the first deployment's next cold start loads from the cache.
    const late = await freshManifest(sys, first);
    expect(late.status).toBe(200);
    const lateFiles = (late.body as { files: { path: string; url: string }[] }).files;
    const lateIndex = lateFiles.find((f) => f.path === 'model_index.json');
    expect((await fetch(lateIndex?.url ?? '')).status).toBe(200);
    expect((await freshManifest(sys, first, 'evt_wrong')).status).toBe(404);

    const second = await deploy(sys, { cache });
    const ready = await sys.waitForStatus(second, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    const sources = modelSources(sys, second);
    expect(sources.map((s) => s.type)).toEqual(['s3', 'huggingface']);
    expect(sources[0]?.manifest_endpoint).toBe(`${sys.url}/internal/worker-manifest/${second}`);
    const env = JSON.stringify(sys.runpod.account(sys.apiKey).templates.map((t) => t.env));
    expect(env).not.toContain(s3.secretAccessKey);

    // The worker's manifest: every file of the revision, each with a working presigned GET URL.
    const manifest = (await (await fetch(sources[0]?.manifest_url ?? '')).json()) as {
      files: { path: string; size: number; sha256: string; url: string }[];
    };
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toContain('model_index.json');
    // tiny-sd has an fp16 UNet only: the worker loads the plain weights, so only those are cached.
    expect(paths).toContain('unet/diffusion_pytorch_model.safetensors');
    expect(paths).not.toContain('unet/diffusion_pytorch_model.fp16.safetensors');
    const index = manifest.files.find((f) => f.path === 'model_index.json');
    const body = await (await fetch(index?.url ?? '')).text();
    expect(JSON.parse(body)).toMatchObject({ _class_name: 'StableDiffusionPipeline' });

    // Deleting the deployment deletes its presigned worker manifest from the bucket.
    const sha = (await sys.system.store.get(second))?.revision_sha ?? '';
    const key = workerManifestKey(revisionKeyBase(parseS3Url(cache.s3_url), MODEL, sha), second);
    const bucket = new S3Store('user-models', {
      endpointUrl: s3.url,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    expect(await bucket.head(key)).not.toBeNull();
    const secondToken = eventsToken(sys, second);
    expect((await freshManifest(sys, second, secondToken)).status).toBe(200);
    const del = await request(sys.url)
      .delete(`/v1/deployments/${second}`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect(del.status).toBe(202);
    await sys.waitForStatus(second, ['deleted']);
    await sys.quiesce(10_000);
    expect(await bucket.head(key)).toBeNull();
    expect(await (await fetch(sources[0]?.manifest_url ?? '')).text()).toContain('NoSuchKey');
    // A deleted deployment's workers get nothing more.
    expect((await freshManifest(sys, second, secondToken)).status).toBe(404);
    bucket.destroy();
  });

  it('shared scope: unlisted models are rejected when SHARED_CACHE_REJECT_UNLISTED=true', async () => {
    await createBucket(s3, 'platform-models');
    sys = await startLocalSystem({
      env: {
        ...CACHE_ENV,
        SHARED_CACHE_S3_URL: 's3://platform-models',
        SHARED_CACHE_ENDPOINT_URL: s3.url,
        SHARED_CACHE_ACCESS_KEY_ID: s3.accessKeyId,
        SHARED_CACHE_SECRET_ACCESS_KEY: s3.secretAccessKey,
        SHARED_CACHE_ALLOWED_MODELS: 'stabilityai/sd-turbo',
        SHARED_CACHE_REJECT_UNLISTED: 'true',
      },
    });
    const id = await deploy(sys, { cache: { scope: 'shared' } });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(failed.error?.message).toContain('allowlist');
  });

  it('shared scope: an allowlisted model misses, fills, then hits', async () => {
    await createBucket(s3, 'platform-models-2');
    sys = await startLocalSystem({
      env: {
        ...CACHE_ENV,
        SHARED_CACHE_S3_URL: 's3://platform-models-2/v1',
        SHARED_CACHE_ENDPOINT_URL: s3.url,
        SHARED_CACHE_ACCESS_KEY_ID: s3.accessKeyId,
        SHARED_CACHE_SECRET_ACCESS_KEY: s3.secretAccessKey,
        SHARED_CACHE_ALLOWED_MODELS: 'visgate-test/*',
        SHARED_CACHE_REJECT_UNLISTED: 'true',
      },
    });
    const first = await deploy(sys, { cache: { scope: 'shared' } });
    await sys.waitForStatus(first, ['ready', 'failed']);
    await sys.quiesce(20_000);
    const second = await deploy(sys, { cache: { scope: 'shared' } });
    await sys.waitForDoc(second, (d) => d.progress.source !== null, 10_000, 'source chosen');
    expect((await sys.system.store.get(second))?.progress.source).toBe('cache:shared:hit');
    await sys.waitForStatus(second, ['ready', 'failed']);
    expect(modelSources(sys, second).map((s) => s.type)).toEqual(['s3', 'huggingface']);
  });
});

describe('a private cache with wrong credentials', () => {
  let authed: S3Server;
  let sys: LocalSystem | null = null;
  beforeAll(async () => {
    authed = await startS3Server({ auth: true });
    await createBucket(authed, 'locked-models');
  });
  afterAll(async () => {
    await sys?.close();
    await authed.stop();
  });

  it('fails the deployment with CACHE_ACCESS_DENIED, naming the bucket and never the secret', async () => {
    sys = await startLocalSystem({ env: CACHE_ENV });
    const id = await deploy(sys, {
      cache: {
        scope: 'private',
        s3_url: 's3://locked-models/x',
        endpoint_url: authed.url,
        access_key_id: authed.accessKeyId,
        secret_access_key: 'this-is-the-wrong-secret',
      },
    });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'CACHE_ACCESS_DENIED' });
    expect(failed.error?.message).toContain('locked-models');
    expect(JSON.stringify(failed)).not.toContain('this-is-the-wrong-secret');
    // Teardown still completes: the worker manifest cleanup is refused too, and only logged.
    await sys.waitForDoc(id, (d) => d.runtime.resources_released, 10_000, 'resources released');
    await sys.quiesce(10_000);
    expect(sys.log.lines.join('\n')).toContain('worker cache manifest not deleted');
    expect(sys.log.lines.join('\n')).not.toContain('this-is-the-wrong-secret');
  });
});
