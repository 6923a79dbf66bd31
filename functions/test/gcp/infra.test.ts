import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIRESTORE_INDEXES, renderIndexesJson } from '../../src/adapters/gcp/firestore-indexes';
import { FUNCTIONS } from '../../src/entry/manifest';
import { QUEUES, TOPICS } from '../../src/ports';

// infra/deploy.sh against a fake gcloud (and curl) on PATH: every function, topic, queue, index,
// secret and scheduler job the code uses is created, configured as the manifest says, and nothing
// else. The fake logs each call; `describe` fails so every `create` runs.

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../../..');

function runDeploy(args: string[]): { calls: string[][]; stdout: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-gcloud-'));
  const log = path.join(dir, 'calls.log');
  writeFileSync(
    path.join(dir, 'gcloud'),
    `#!/usr/bin/env bash
printf '%s\\x1f' "$@" >> "${log}"; echo >> "${log}"
case "$*" in
  *" describe "*) exit 1 ;;
  "secrets versions list"*) echo projects/p/secrets/s/versions/1 ;;
  "pubsub topics list-subscriptions"*) echo projects/p/subscriptions/eventarc-sub ;;
  "auth print-access-token"*) echo fake-token ;;
esac
exit 0
`,
  );
  writeFileSync(
    path.join(dir, 'curl'),
    `#!/usr/bin/env bash\necho '{"name":"projects/p/rulesets/r1"}'\n`,
  );
  chmodSync(path.join(dir, 'gcloud'), 0o755);
  chmodSync(path.join(dir, 'curl'), 0o755);
  const stdout = execFileSync('bash', ['infra/deploy.sh', ...args], {
    cwd: ROOT,
    env: { PATH: `${dir}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmpdir() },
    encoding: 'utf8',
  });
  let calls: string[][] = [];
  try {
    calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\x1f').filter(Boolean));
  } catch {
    calls = [];
  }
  return { calls, stdout };
}

const flag = (call: string[], name: string): string | undefined =>
  call.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('infra/deploy.sh', () => {
  let calls: string[][];
  beforeAll(() => {
    calls = runDeploy(['demo-proj', 'europe-west1']).calls;
  });
  const matching = (...prefix: string[]) => calls.filter((c) => prefix.every((p, i) => c[i] === p));

  it('deploys exactly the manifest functions, gen2 on nodejs24, sized as the manifest says', () => {
    const deploys = matching('functions', 'deploy');
    expect(deploys.map((c) => c[2]).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
    for (const f of FUNCTIONS) {
      const c = deploys.find((d) => d[2] === f.name)!;
      expect(c).toEqual(expect.arrayContaining(['--gen2', '--runtime=nodejs24']));
      expect(c).toEqual(expect.arrayContaining(['--region', 'europe-west1']));
      expect(flag(c, 'memory')).toBe(f.memory);
      expect(flag(c, 'timeout')).toBe(`${f.timeoutS}s`);
      expect(flag(c, 'concurrency')).toBe(String(f.concurrency));
      expect(flag(c, 'service-account')).toBe(
        `${f.serviceAccount}@demo-proj.iam.gserviceaccount.com`,
      );
      expect(c.includes('--retry')).toBe(f.retry);
      expect(flag(c, 'set-secrets')).toBe(f.secrets.map((s) => `${s}=${s}:latest`).join(','));
      const t = f.trigger;
      if (t.kind === 'pubsub') expect(flag(c, 'trigger-topic')).toBe(t.topic);
      else expect(c).toContain('--trigger-http');
      expect(c.includes('--allow-unauthenticated')).toBe(t.kind === 'http');
    }
  });

  it('creates every topic the code publishes to, each with a dead-letter topic, and no other', () => {
    const created = matching('pubsub', 'topics', 'create').map((c) => c[3]);
    expect(created.sort()).toEqual([...TOPICS, ...TOPICS.map((t) => `${t}-dead-letter`)].sort());
  });

  it('creates every queue the code enqueues to, with a retry config, and no other', () => {
    const created = matching('tasks', 'queues', 'create');
    expect(created.map((c) => c[3]).sort()).toEqual([...QUEUES].sort());
    for (const c of created) expect(flag(c, 'max-attempts')).toMatch(/^\d+$/);
  });

  it('creates the indexes the Firestore adapters need, the same ones firestore.indexes.json lists', () => {
    expect(matching('firestore', 'indexes', 'composite', 'create')).toHaveLength(
      FIRESTORE_INDEXES.length,
    );
    expect(readFileSync(path.join(ROOT, 'firestore.indexes.json'), 'utf8')).toBe(
      renderIndexesJson(),
    );
  });

  it('creates the two server secrets empty and never sets a value', () => {
    expect(
      matching('secrets', 'create')
        .map((c) => c[2])
        .sort(),
    ).toEqual(['OWNER_PEPPER', 'SECRETS_KEY']);
    expect(matching('secrets', 'versions', 'add')).toEqual([]);
  });

  it('schedules the reaper with an OIDC token of the invoker account', () => {
    const [job] = matching('scheduler', 'jobs', 'create', 'http');
    expect(job?.[4]).toBe('visgate-reaper');
    expect(flag(job!, 'oidc-service-account-email')).toBe(
      'visgate-invoker@demo-proj.iam.gserviceaccount.com',
    );
    expect(flag(job!, 'uri')).toBe('https://europe-west1-demo-proj.cloudfunctions.net/reaper');
  });

  it('prints the plan and runs nothing with --dry-run', () => {
    const { calls: dry, stdout } = runDeploy(['demo-proj', 'europe-west1', '--dry-run']);
    expect(dry).toEqual([]);
    for (const f of FUNCTIONS) expect(stdout).toContain(`gcloud functions deploy ${f.name} `);
  });
});

describe('the function manifest', () => {
  it('has one function per topic and per queue, and unique names', () => {
    const topics = FUNCTIONS.flatMap((f) => (f.trigger.kind === 'pubsub' ? [f.trigger.topic] : []));
    const queues = FUNCTIONS.flatMap((f) => (f.trigger.kind === 'task' ? [f.trigger.queue] : []));
    expect(topics.sort()).toEqual([...TOPICS].sort());
    expect(queues.sort()).toEqual([...QUEUES].sort());
    expect(new Set(FUNCTIONS.map((f) => f.name)).size).toBe(FUNCTIONS.length);
  });

  it('turns retries on for event functions only', () => {
    for (const f of FUNCTIONS) expect(f.retry).toBe(f.trigger.kind === 'pubsub');
  });
});

describe('infra/deploy.sh with a shared model cache', () => {
  let calls: string[][];
  beforeAll(() => {
    calls = runDeploy([
      'demo-proj',
      'europe-west1',
      '--shared-cache-url=s3://visgate-models/models',
      '--shared-cache-endpoint=https://acct.r2.cloudflarestorage.com',
      '--shared-cache-allowed=stabilityai/*,black-forest-labs/FLUX.1-schnell',
      '--shared-cache-reject-unlisted',
    ]).calls;
  });
  const matching = (...prefix: string[]) => calls.filter((c) => prefix.every((p, i) => c[i] === p));

  it('keeps the key pair in Secret Manager (created empty) and mounts it on every function', () => {
    expect(
      matching('secrets', 'create')
        .map((c) => c[2])
        .sort(),
    ).toEqual([
      'OWNER_PEPPER',
      'SECRETS_KEY',
      'SHARED_CACHE_ACCESS_KEY_ID',
      'SHARED_CACHE_SECRET_ACCESS_KEY',
    ]);
    expect(matching('secrets', 'versions', 'add')).toEqual([]);
    for (const c of matching('functions', 'deploy')) {
      expect(flag(c, 'set-secrets')).toContain(
        'SHARED_CACHE_ACCESS_KEY_ID=SHARED_CACHE_ACCESS_KEY_ID:latest,SHARED_CACHE_SECRET_ACCESS_KEY=SHARED_CACHE_SECRET_ACCESS_KEY:latest',
      );
      // The key pair never travels as a plain environment variable.
      expect(flag(c, 'set-env-vars')).not.toMatch(/ACCESS_KEY/);
    }
    const accessors = matching('secrets', 'add-iam-policy-binding').filter(
      (c) => c[2] === 'SHARED_CACHE_SECRET_ACCESS_KEY',
    );
    expect(accessors).toHaveLength(FUNCTIONS.length);
  });

  it('passes the bucket, endpoint and allowlist as settings, comma list intact', () => {
    const [api] = matching('functions', 'deploy', 'api');
    const env = flag(api!, 'set-env-vars')!;
    // A value with commas switches gcloud's list delimiter (`^#^K=V#K2=V2`, see gcloud topic
    // escaping); '@' is taken by the invoker's service account.
    const d = /^\^(.)\^/.exec(env)?.[1];
    expect(d).toBeDefined();
    const vars = Object.fromEntries(
      env
        .slice(3)
        .split(d!)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(vars).toMatchObject({
      SHARED_CACHE_S3_URL: 's3://visgate-models/models',
      SHARED_CACHE_ENDPOINT_URL: 'https://acct.r2.cloudflarestorage.com',
      SHARED_CACHE_ALLOWED_MODELS: 'stabilityai/*,black-forest-labs/FLUX.1-schnell',
      SHARED_CACHE_REJECT_UNLISTED: 'true',
    });
  });
});
