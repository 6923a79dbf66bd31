import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { objectKey, parseS3Url, revisionKeyBase, type CacheManifest } from '@visgate/shared';
import { publishWorkerManifest, type WorkerManifest } from '../../src/steps/cache-fill/model-cache';
import { S3Store } from '../../src/adapters/s3/s3-store';
import { startS3rver, type S3Server } from '@visgate/sim';

jest.setTimeout(30_000);

const BUCKET = 'expiry-models';
const MODEL = 'visgate-test/expiry-model';
const SHA = 'c0ffee00000000000000000000000000000000e1';
const FILES: Record<string, string> = {
  'model_index.json': '{"_class_name":"StableDiffusionPipeline"}',
  'unet/config.json': '{"sample_size":64}',
};

/** The worker's fetcher (python) reading a manifest URL; prints the outcome, never the URL. */
const WORKER_GET = `
import sys
sys.path.insert(0, "worker/src")
from visgate_worker.errors import WorkerError
from visgate_worker.model_source import UrllibFetchers
try:
    print(len(UrllibFetchers(retries=0).get_json(sys.argv[1])["files"]))
except WorkerError as err:
    print(err.code, err.message)
`;

/** When a presigned URL stops working: `X-Amz-Date` (second precision) + `X-Amz-Expires`. */
function expiresAt(url: string): number {
  const u = new URL(url);
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
    u.searchParams.get('X-Amz-Date') ?? '',
  );
  if (!d) throw new Error('no X-Amz-Date');
  const signed = Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!);
  return signed + Number(u.searchParams.get('X-Amz-Expires')) * 1000;
}

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
});
afterAll(async () => {
  await s3.stop();
});

describe('presigned cache URLs expire (s3rver enforces X-Amz-Expires)', () => {
  test('the worker manifest and its file URLs work within the TTL and get 403 after it', async () => {
    const store = new S3Store(BUCKET, {
      endpointUrl: s3.url,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    const ref = { store, loc: parseS3Url(`s3://${BUCKET}/m`), modelId: MODEL, revisionSha: SHA };
    const base = revisionKeyBase(ref.loc, MODEL, SHA);
    const files: CacheManifest['files'] = [];
    for (const [path, body] of Object.entries(FILES)) {
      await store.put(objectKey(base, path), body);
      files.push({
        path,
        size: Buffer.byteLength(body),
        sha256: createHash('sha256').update(body).digest('hex'),
      });
    }
    const manifest: CacheManifest = {
      version: 1,
      model_id: MODEL,
      revision_sha: SHA,
      created_at: new Date().toISOString(),
      files,
    };

    // TTL 3 s: X-Amz-Date has second precision, so the URLs live at least 2 s after signing.
    const { manifestUrl } = await publishWorkerManifest(ref, manifest, 'dep_expiry', 3);
    const before = await fetch(manifestUrl);
    expect(before.status).toBe(200);
    const doc = (await before.json()) as WorkerManifest;
    const index = doc.files.find((f) => f.path === 'model_index.json')!;
    const ranged = await fetch(index.url, { headers: { Range: 'bytes=0-1' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('{"');
    expect(await (await fetch(index.url)).text()).toBe(FILES['model_index.json']);

    const wait = Math.max(expiresAt(manifestUrl), ...doc.files.map((f) => expiresAt(f.url)));
    await new Promise((r) => setTimeout(r, wait + 1_100 - Date.now()));

    const after = await fetch(manifestUrl);
    expect(after.status).toBe(403);
    expect(await after.text()).toContain('Request has expired');
    for (const f of doc.files) expect((await fetch(f.url)).status).toBe(403);

    // The worker sees an expired manifest URL as a failed source (it then falls back to the Hub),
    // with the HTTP status in the message and no signed URL in it.
    // (async: s3rver serves from this process, so a blocking spawn would starve it)
    const r = await promisify(execFile)('python3', ['-c', WORKER_GET, manifestUrl]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('source_unavailable');
    expect(r.stdout).toContain('HTTP 403');
    expect(r.stdout).not.toContain('X-Amz-Signature');
    store.destroy();
  });
});
