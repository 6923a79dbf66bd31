import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  FIRESTORE_INDEXES,
  FIRESTORE_UNINDEXED_FIELDS,
  renderIndexesJson,
  type FieldOverride,
} from '../../src/adapters/gcp/firestore-indexes';
import { PLACEHOLDER_WORKER_IMAGE } from '../../src/config';
import { FUNCTIONS, INVOKER_SERVICE_ACCOUNT } from '../../src/entry/manifest';
import { QUEUES, TOPICS } from '../../src/ports';
import { firebaseWebApp } from '../../../infra/plan';

// infra/deploy.sh --dry-run prints the plan; running that printed plan with a recorder on PATH in
// place of gcloud (and npx, curl) collects every gcloud command it would run, the ones inside
// `$(…)` and loops included. Each distinct command is then parsed by the REAL gcloud (the Google
// Cloud CLI installed on this machine) with an empty config and no credentials: a well-formed
// command exits 1 for lack of credentials, a bad flag or value exits 2. The recorder only feeds the
// plan's control flow (`describe` fails so every `create` runs); it validates nothing itself.

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '../../..');
const GCLOUD = '/usr/bin/gcloud';
const IMAGE = 'europe-west1-docker.pkg.dev/demo-proj/visgate/worker:0123abc';
const exec = promisify(execFile);

/** deploy.sh with `args`; stdout, stderr and exit status. gcloud/npx/curl on PATH only record. */
function deploySh(args: string[], recorder = recorderDir({ realNpx: true })) {
  const r = spawnSync('bash', ['infra/deploy.sh', ...args], {
    cwd: ROOT,
    env: {
      PATH: `${recorder.dir}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: tmpdir(),
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: recorder.calls() };
}

interface RecorderEnv {
  indexError?: string;
  realNpx?: boolean;
  /** Teardown: every resource exists, so every delete runs. */
  allExist?: boolean;
  /**
   * What `pubsub topics list-subscriptions` answers: the Eventarc subscription (default), nothing
   * (Eventarc has not made it), nothing the first time only, or a gcloud error.
   */
  subscriptions?: 'found' | 'none' | 'late' | 'error';
  /** stderr and exit 1 of `artifacts repositories remove-iam-policy-binding`. */
  unbindError?: string;
}

function recorderDir(env: RecorderEnv = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gcloud-recorder-'));
  const log = path.join(dir, 'calls.log');
  const sleeps = path.join(dir, 'sleeps.log');
  writeFileSync(log, '');
  writeFileSync(sleeps, '');
  const subs = {
    found: 'echo projects/p/subscriptions/eventarc-sub',
    none: ':',
    late: `n="$(cat '${dir}/subs.n' 2>/dev/null || echo 0)"; echo $((n + 1)) >'${dir}/subs.n'; [ "$n" = 0 ] || echo projects/p/subscriptions/eventarc-sub`,
    error: `echo 'ERROR: (gcloud.pubsub.topics.list-subscriptions) PERMISSION_DENIED: denied' >&2; exit 1`,
  }[env.subscriptions ?? 'found'];
  writeFileSync(
    path.join(dir, 'gcloud'),
    `#!/usr/bin/env bash
printf '%s\\x1f' "$@" >> "${log}"; echo >> "${log}"
case "$*" in
  "projects describe"*) echo 123456789012 ;;
  *" describe "*) ${env.allExist ? 'exit 0' : 'exit 1'} ;;
  "secrets versions list"*) echo projects/p/secrets/s/versions/1 ;;
  "pubsub topics list-subscriptions"*) ${subs} ;;
  "artifacts repositories remove-iam-policy-binding"*) ${env.unbindError ? `echo '${env.unbindError}' >&2; exit 1` : ':'} ;;
  "auth print-access-token"*) echo recorded-token ;;
  "firestore indexes composite create"*) ${env.indexError ? `echo '${env.indexError}' >&2; exit 1` : ':'} ;;
esac
exit 0
`,
  );
  // The plan's retry waits are recorded, not slept.
  writeFileSync(path.join(dir, 'sleep'), `#!/usr/bin/env bash\necho "$1" >> "${sleeps}"\n`);
  // The printed plan's `npx tsx infra/build-functions.ts` is not run (deploy.sh's own npx is).
  if (!env.realNpx) writeFileSync(path.join(dir, 'npx'), '#!/usr/bin/env bash\nexit 0\n');
  writeFileSync(
    path.join(dir, 'curl'),
    `#!/usr/bin/env bash\necho '{"name":"projects/p/rulesets/r1"}'\n`,
  );
  for (const f of ['gcloud', 'curl', 'sleep', ...(env.realNpx ? [] : ['npx'])])
    chmodSync(path.join(dir, f), 0o755);
  return {
    dir,
    calls: (): string[][] =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\x1f').filter(Boolean)),
    sleeps: (): number => readFileSync(sleeps, 'utf8').split('\n').filter(Boolean).length,
  };
}

/** Runs a printed plan as deploy.sh would, against the recorder; returns the gcloud calls. */
function runPlan(plan: string, env: RecorderEnv = {}) {
  const rec = recorderDir(env);
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', plan], {
    cwd: ROOT,
    env: { PATH: `${rec.dir}:/usr/bin:/bin`, HOME: tmpdir() },
    encoding: 'utf8',
    // A socket on stdin makes bash -c read /etc/bash.bashrc (it guesses it runs under rshd).
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stderr: r.stderr, calls: rec.calls(), sleeps: rec.sleeps() };
}

function plan(args: string[]): string {
  const r = deploySh([...args, '--dry-run']);
  if (r.status !== 0) throw new Error(`deploy.sh --dry-run failed: ${r.stderr}`);
  expect(r.calls).toEqual([]); // --dry-run runs nothing
  return r.stdout;
}

const flag = (call: string[], name: string): string | undefined =>
  call.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const DEPLOY = ['demo-proj', 'europe-west1', `--worker-image=${IMAGE}`];
const WITH_CACHE = [
  ...DEPLOY,
  '--shared-cache-url=s3://visgate-models/models',
  '--shared-cache-endpoint=https://acct.r2.cloudflarestorage.com',
  '--shared-cache-allowed=stabilityai/*,black-forest-labs/FLUX.1-schnell',
  '--shared-cache-reject-unlisted',
];

let deployCalls: string[][];
let cacheCalls: string[][];
let teardownCalls: string[][];
let teardownRepoCalls: string[][];
beforeAll(() => {
  const run = (args: string[], env: RecorderEnv = {}) => {
    const r = runPlan(plan(args), env);
    if (r.status !== 0) throw new Error(`plan failed against the recorder: ${r.stderr}`);
    return r.calls;
  };
  deployCalls = run(DEPLOY);
  cacheCalls = run(WITH_CACHE);
  teardownCalls = run(['demo-proj', 'europe-west1', '--teardown', `--worker-image=${IMAGE}`], {
    allExist: true,
  });
  teardownRepoCalls = run(
    [
      'demo-proj',
      'europe-west1',
      '--teardown',
      `--worker-image=${IMAGE}`,
      '--delete-worker-repository',
    ],
    { allExist: true },
  );
});
const matching = (calls: string[][], ...prefix: string[]) =>
  calls.filter((c) => prefix.every((p, i) => c[i] === p));

describe('the deploy plan, parsed by the real gcloud', () => {
  it('has no command the installed gcloud refuses: each fails only for lack of credentials', async () => {
    // Commands that differ only in a resource name or a number parse alike: one of each shape.
    const names = [
      ...FUNCTIONS.flatMap((f) => [f.name, f.serviceAccount]),
      ...TOPICS,
      ...QUEUES,
      INVOKER_SERVICE_ACCOUNT,
      'OWNER_PEPPER',
      'SECRETS_KEY',
      'SHARED_CACHE_ACCESS_KEY_ID',
      'SHARED_CACHE_SECRET_ACCESS_KEY',
      ...FIRESTORE_UNINDEXED_FIELDS.flatMap((f) => [f.collectionGroup, f.field]),
    ].sort((a, b) => b.length - a.length);
    const shape = (c: string[]) =>
      c
        .map((a) => names.reduce((s, n) => s.split(n).join('<name>'), a).replace(/\d+/g, '0'))
        .join('\x1f');
    const distinct = new Map<string, string[]>();
    for (const c of [...deployCalls, ...cacheCalls, ...teardownCalls, ...teardownRepoCalls])
      if (!distinct.has(shape(c))) distinct.set(shape(c), c);
    const calls = [...distinct.values()];
    expect(calls.length).toBeGreaterThan(30);
    const config = mkdtempSync(path.join(tmpdir(), 'gcloud-config-'));
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: config,
      CLOUDSDK_CONFIG: config,
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    };
    const results: { args: string[]; code: number; stderr: string }[] = [];
    const queue = [...calls];
    // gcloud takes 1-3 s to start: four at a time.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          try {
            await exec(GCLOUD, c, { env, cwd: ROOT });
            results.push({ args: c, code: 0, stderr: '' });
          } catch (e) {
            const err = e as { code?: number; stderr?: string };
            results.push({ args: c, code: err.code ?? -1, stderr: err.stderr ?? '' });
          }
        }
      }),
    );
    const refused = results
      .filter(
        (r) => r.code !== 1 || !/credentials|gcloud auth login|active account/i.test(r.stderr),
      )
      .map((r) => `exit ${r.code}: gcloud ${r.args.join(' ')}\n${r.stderr.slice(0, 400)}`);
    expect(refused).toEqual([]);
    expect(results).toHaveLength(calls.length);
  });

  it('would have caught the old scheduler update: gcloud refuses --headers there with exit 2', () => {
    const r = spawnSync(
      GCLOUD,
      ['scheduler', 'jobs', 'update', 'http', 'j', '--headers=a=b', '--location=x', '--project=p'],
      {
        env: {
          PATH: '/usr/bin:/bin',
          CLOUDSDK_CONFIG: mkdtempSync(path.join(tmpdir(), 'gcloud-config-')),
          CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
        },
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
  });
});

describe('infra/deploy.sh', () => {
  it('deploys exactly the manifest functions, gen2 on nodejs24, sized as the manifest says', () => {
    const deploys = matching(deployCalls, 'functions', 'deploy');
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
      const t = f.trigger;
      if (t.kind === 'pubsub') expect(flag(c, 'trigger-topic')).toBe(t.topic);
      else expect(c).toContain('--trigger-http');
      expect(c.includes('--allow-unauthenticated')).toBe(t.kind === 'http');
      expect(flag(c, 'set-env-vars')).toContain(`WORKER_IMAGE=${IMAGE}`);
    }
  });

  it('gives each function only the secrets it reads: the owner pepper to api alone', () => {
    for (const c of matching(deployCalls, 'functions', 'deploy')) {
      const f = FUNCTIONS.find((x) => x.name === c[2])!;
      expect(flag(c, 'set-secrets')).toBe(f.secrets.map((s) => `${s}=${s}:latest`).join(','));
    }
    const pepper = matching(deployCalls, 'secrets', 'add-iam-policy-binding').filter(
      (c) => c[2] === 'OWNER_PEPPER',
    );
    expect(pepper.map((c) => flag(c, 'member'))).toEqual([
      'serviceAccount:visgate-api@demo-proj.iam.gserviceaccount.com',
    ]);
  });

  it('creates every topic with a dead-letter topic, and a subscription that keeps the dead letters', () => {
    const created = matching(deployCalls, 'pubsub', 'topics', 'create').map((c) => c[3]);
    expect(created.sort()).toEqual([...TOPICS, ...TOPICS.map((t) => `${t}-dead-letter`)].sort());
    const subs = matching(deployCalls, 'pubsub', 'subscriptions', 'create');
    expect(subs.map((c) => flag(c, 'topic')).sort()).toEqual(
      TOPICS.map((t) => `${t}-dead-letter`).sort(),
    );
    for (const s of subs) {
      expect(flag(s, 'message-retention-duration')).toBe('7d');
      expect(flag(s, 'expiration-period')).toBe('never');
    }
    // Pub/Sub's service agent forwards dead letters: publisher on the DLQ, subscriber on the source.
    const agent = 'serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com';
    const dlqPublish = matching(deployCalls, 'pubsub', 'topics', 'add-iam-policy-binding').filter(
      (c) => flag(c, 'member') === agent,
    );
    expect(dlqPublish.map((c) => c[3]).sort()).toEqual(
      TOPICS.map((t) => `${t}-dead-letter`).sort(),
    );
    const updates = matching(deployCalls, 'pubsub', 'subscriptions', 'update');
    expect(updates).toHaveLength(TOPICS.length);
    for (const u of updates) expect(flag(u, 'dead-letter-topic')).toMatch(/-dead-letter$/);
  });

  it('creates every queue the code enqueues to, with a retry config, and no other', () => {
    const created = matching(deployCalls, 'tasks', 'queues', 'create');
    expect(created.map((c) => c[3]).sort()).toEqual([...QUEUES].sort());
    for (const c of created) expect(flag(c, 'max-attempts')).toMatch(/^\d+$/);
  });

  it('grants publish and enqueue on our topics and queues only, never project-wide', () => {
    const projectRoles = matching(deployCalls, 'projects', 'add-iam-policy-binding').map((c) =>
      flag(c, 'role'),
    );
    expect(new Set(projectRoles)).toEqual(new Set(['roles/datastore.user']));
    const publishers = matching(deployCalls, 'pubsub', 'topics', 'add-iam-policy-binding').filter(
      (c) => flag(c, 'role') === 'roles/pubsub.publisher' && TOPICS.includes(c[3] as never),
    );
    const enqueuers = matching(deployCalls, 'tasks', 'queues', 'add-iam-policy-binding');
    expect(new Set(enqueuers.map((c) => c[3]))).toEqual(new Set(QUEUES));
    for (const f of FUNCTIONS) {
      const member = `serviceAccount:${f.serviceAccount}@demo-proj.iam.gserviceaccount.com`;
      const has = (role: string) => f.roles.some((r) => r.role === role);
      expect(publishers.filter((c) => flag(c, 'member') === member)).toHaveLength(
        has('roles/pubsub.publisher') ? TOPICS.length : 0,
      );
      expect(enqueuers.filter((c) => flag(c, 'member') === member)).toHaveLength(
        has('roles/cloudtasks.enqueuer') ? QUEUES.length : 0,
      );
    }
  });

  it('creates the indexes the Firestore adapters need, the same ones firestore.indexes.json lists', () => {
    expect(matching(deployCalls, 'firestore', 'indexes', 'composite', 'create')).toHaveLength(
      FIRESTORE_INDEXES.length,
    );
    expect(readFileSync(path.join(ROOT, 'firestore.indexes.json'), 'utf8')).toBe(
      renderIndexesJson(),
    );
  });

  it('tolerates an index that already exists, and stops on any other index error', () => {
    const text = plan(DEPLOY);
    const exists = runPlan(text, {
      indexError:
        'ERROR: (gcloud.firestore.indexes.composite.create) ALREADY_EXISTS: index already exists',
    });
    expect(exists.status).toBe(0);
    const denied = runPlan(text, {
      indexError:
        'ERROR: (gcloud.firestore.indexes.composite.create) PERMISSION_DENIED: caller lacks datastore.indexes.create',
    });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain('PERMISSION_DENIED');
    expect(matching(denied.calls, 'functions', 'deploy')).toEqual([]);
  });

  it('creates the two server secrets empty and never sets a value', () => {
    expect(
      matching(deployCalls, 'secrets', 'create')
        .map((c) => c[2])
        .sort(),
    ).toEqual(['OWNER_PEPPER', 'SECRETS_KEY']);
    expect(matching(deployCalls, 'secrets', 'versions', 'add')).toEqual([]);
  });

  it('schedules the reaper with an OIDC token of the invoker account and its whole run time', () => {
    const reaper = FUNCTIONS.find((f) => f.trigger.kind === 'scheduler')!;
    const [job] = matching(deployCalls, 'scheduler', 'jobs', 'create', 'http');
    const [update] = matching(deployCalls, 'scheduler', 'jobs', 'update', 'http');
    for (const c of [job!, update!]) {
      expect(c[4]).toBe('visgate-reaper');
      expect(flag(c, 'oidc-service-account-email')).toBe(
        'visgate-invoker@demo-proj.iam.gserviceaccount.com',
      );
      expect(flag(c, 'uri')).toBe('https://europe-west1-demo-proj.cloudfunctions.net/reaper');
      expect(flag(c, 'attempt-deadline')).toBe(`${reaper.timeoutS}s`);
    }
    expect(flag(job!, 'headers')).toBe('Content-Type=application/json');
    expect(flag(update!, 'update-headers')).toBe('Content-Type=application/json');
  });

  it('points PUBLIC_BASE_URL at a custom domain when given one, else at the api function', () => {
    const env = (calls: string[][]) =>
      flag(matching(calls, 'functions', 'deploy', 'api')[0]!, 'set-env-vars');
    expect(env(deployCalls)).toContain(
      'PUBLIC_BASE_URL=https://europe-west1-demo-proj.cloudfunctions.net/api',
    );
    const custom = runPlan(plan([...DEPLOY, '--public-base-url=https://api.example.com'])).calls;
    expect(env(custom)).toContain('PUBLIC_BASE_URL=https://api.example.com,');
  });

  it("gives the api the Firebase web app for the console's Firestore listener only when both values are given", () => {
    const env = (calls: string[][]) =>
      flag(matching(calls, 'functions', 'deploy', 'api')[0]!, 'set-env-vars');
    expect(env(deployCalls)).not.toContain('CONSOLE_FIREBASE');
    const withApp = runPlan(
      plan([
        ...DEPLOY,
        '--firebase-api-key=AIzaSyA-abcdefghijklmnopqrstuvwxyz012',
        '--firebase-app-id=1:1234567890:web:abcdef0123',
      ]),
    ).calls;
    expect(env(withApp)).toContain(
      'CONSOLE_FIREBASE_API_KEY=AIzaSyA-abcdefghijklmnopqrstuvwxyz012,CONSOLE_FIREBASE_APP_ID=1:1234567890:web:abcdef0123',
    );
    expect(() => firebaseWebApp('AIzaSyA-abcdefghijklmnopqrstuvwxyz012', undefined)).toThrow(
      'go together',
    );
    expect(() => firebaseWebApp('AIzaSyA-abcdefghijklmnopqrstuvwxyz012', 'web-app')).toThrow(
      'appId',
    );
  });

  it('makes the worker repository publicly readable so RunPod can pull the image', () => {
    const [binding] = matching(deployCalls, 'artifacts', 'repositories', 'add-iam-policy-binding');
    expect(binding?.[3]).toBe('visgate');
    expect(flag(binding!, 'member')).toBe('allUsers');
    expect(flag(binding!, 'role')).toBe('roles/artifactregistry.reader');
    expect(flag(binding!, 'location')).toBe('europe-west1');
    // An image hosted elsewhere (already public, or RunPod has its credentials): nothing to open.
    const elsewhere = runPlan(
      plan(['demo-proj', 'europe-west1', '--worker-image=ghcr.io/acme/worker:1.2.3']),
    ).calls;
    expect(matching(elsewhere, 'artifacts')).toEqual([]);
  });

  it.each([
    ['without a worker image', [], /no --worker-image/],
    ['with the placeholder image', [`--worker-image=${PLACEHOLDER_WORKER_IMAGE}`], /placeholder/],
  ])('refuses to deploy %s, before running anything', (_what, extra, message) => {
    const r = deploySh(['demo-proj', 'europe-west1', ...extra]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.calls).toEqual([]);
  });

  it('tears down everything the deploy created', () => {
    const createdName = (c: string[], at: number) => c[at];
    const deleted = (...prefix: string[]) =>
      new Set(matching(teardownCalls, ...prefix, 'delete').map((c) => c[prefix.length + 1]));
    expect(deleted('functions')).toEqual(
      new Set(matching(deployCalls, 'functions', 'deploy').map((c) => createdName(c, 2))),
    );
    for (const kind of [
      ['pubsub', 'topics'],
      ['pubsub', 'subscriptions'],
      ['tasks', 'queues'],
    ])
      expect(deleted(...kind)).toEqual(
        new Set(matching(deployCalls, ...kind, 'create').map((c) => createdName(c, 3))),
      );
    expect(deleted('scheduler', 'jobs')).toEqual(new Set(['visgate-reaper']));
    const secrets = new Set(matching(teardownCalls, 'secrets', 'delete').map((c) => c[2]));
    for (const c of matching(cacheCalls, 'secrets', 'create')) expect(secrets).toContain(c[2]);
    const accounts = new Set(
      matching(teardownCalls, 'iam', 'service-accounts', 'delete').map((c) => c[3]),
    );
    for (const c of matching(deployCalls, 'iam', 'service-accounts', 'create'))
      expect(accounts).toContain(`${c[3]}@demo-proj.iam.gserviceaccount.com`);
    expect(matching(teardownCalls, 'firestore', 'databases', 'delete')).toHaveLength(1);
    const bound = matching(deployCalls, 'projects', 'add-iam-policy-binding').map((c) =>
      flag(c, 'member'),
    );
    const unbound = matching(teardownCalls, 'projects', 'remove-iam-policy-binding').map((c) =>
      flag(c, 'member'),
    );
    expect(new Set(unbound)).toEqual(new Set(bound));
  });
});

describe('infra/deploy.sh --teardown and the worker repository', () => {
  const unbinds = (calls: string[][]) =>
    matching(calls, 'artifacts', 'repositories', 'remove-iam-policy-binding');

  it('always closes the public read it opened, and deletes the repository only when asked', () => {
    const [opened] = matching(deployCalls, 'artifacts', 'repositories', 'add-iam-policy-binding');
    for (const calls of [teardownCalls, teardownRepoCalls]) {
      const [closed] = unbinds(calls);
      expect(closed?.[3]).toBe(opened?.[3]);
      for (const f of ['member', 'role', 'location'])
        expect(flag(closed!, f)).toBe(flag(opened!, f));
    }
    // The repository may hold images cloudbuild.yaml or the user pushed: kept by default.
    expect(matching(teardownCalls, 'artifacts', 'repositories', 'delete')).toEqual([]);
    expect(
      matching(teardownRepoCalls, 'artifacts', 'repositories', 'delete').map((c) => c[3]),
    ).toEqual(matching(deployCalls, 'artifacts', 'repositories', 'create').map((c) => c[3]));
  });

  it('tolerates a binding already removed, and stops on any other error', () => {
    const text = plan(['demo-proj', 'europe-west1', '--teardown', `--worker-image=${IMAGE}`]);
    const gone = runPlan(text, {
      allExist: true,
      unbindError:
        'ERROR: Policy binding with the specified principal, role, and condition not found!',
    });
    expect(gone.status).toBe(0);
    const denied = runPlan(text, {
      allExist: true,
      unbindError:
        'ERROR: (gcloud.artifacts.repositories.remove-iam-policy-binding) PERMISSION_DENIED: denied',
    });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain('PERMISSION_DENIED');
    expect(matching(denied.calls, 'firestore', 'databases', 'delete')).toEqual([]);
  });

  it('warns when it cannot know the repository, and refuses to delete one it cannot name', () => {
    const r = runPlan(plan(['demo-proj', 'europe-west1', '--teardown']), { allExist: true });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: no --worker-image.*allUsers/);
    expect(matching(r.calls, 'artifacts')).toEqual([]);
    const refused = deploySh([
      'demo-proj',
      'europe-west1',
      '--teardown',
      '--delete-worker-repository',
      '--dry-run',
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--delete-worker-repository needs --worker-image/);
  });
});

describe('infra/deploy.sh and the Eventarc subscriptions', () => {
  const eventTopics = FUNCTIONS.flatMap((f) => (f.trigger.kind === 'pubsub' ? [f] : []));

  it('waits for a subscription Eventarc has not made yet, then gives it its dead-letter policy', () => {
    const r = runPlan(plan(DEPLOY), { subscriptions: 'late' });
    expect(r.status).toBe(0);
    expect(r.sleeps).toBe(1);
    expect(matching(r.calls, 'pubsub', 'subscriptions', 'update')).toHaveLength(eventTopics.length);
  });

  it.each([
    [
      'never appears',
      'none' as const,
      /no subscription on topic deployment-validate after 6 tries/,
    ],
    ['cannot be listed', 'error' as const, /PERMISSION_DENIED/],
  ])(
    'stops the deploy when the subscription %s, instead of doing nothing',
    (_what, mode, message) => {
      const r = runPlan(plan(DEPLOY), { subscriptions: mode });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/no subscription on topic deployment-validate/);
      expect(matching(r.calls, 'pubsub', 'topics', 'list-subscriptions')).toHaveLength(6);
      expect(matching(r.calls, 'pubsub', 'subscriptions', 'update')).toEqual([]);
      // Nothing after the first event function is deployed.
      expect(matching(r.calls, 'functions', 'deploy').map((c) => c[2])).not.toContain(
        eventTopics[1]!.name,
      );
    },
  );
});

describe('firestore.indexes.json field overrides', () => {
  const file = JSON.parse(readFileSync(path.join(ROOT, 'firestore.indexes.json'), 'utf8')) as {
    fieldOverrides: FieldOverride[];
  };
  const fieldUpdates = () => matching(deployCalls, 'firestore', 'indexes', 'fields', 'update');

  it('are all applied by the deploy: indexes disabled on each, the TTL policy after its exemption', () => {
    const applied = fieldUpdates().map((c) => `${flag(c, 'collection-group')}.${c[4]}`);
    expect(applied.sort()).toEqual(
      file.fieldOverrides.map((o) => `${o.collectionGroup}.${o.fieldPath}`).sort(),
    );
    for (const c of fieldUpdates()) expect(c).toContain('--disable-indexes');
    const ttls = file.fieldOverrides.filter((o) => o.ttl);
    expect(ttls.map((o) => `${o.collectionGroup}.${o.fieldPath}`)).toEqual([
      'idempotency.expires_at',
    ]);
    for (const o of ttls) {
      const at = (prefix: string[]) =>
        deployCalls.findIndex(
          (c) =>
            prefix.every((p, i) => c[i] === p) &&
            c.includes(o.fieldPath) &&
            flag(c, 'collection-group') === o.collectionGroup,
        );
      const exempt = at(['firestore', 'indexes', 'fields', 'update']);
      const ttl = at(['firestore', 'fields', 'ttls', 'update']);
      expect(exempt).toBeGreaterThanOrEqual(0);
      expect(deployCalls[exempt]).not.toContain('--async'); // done before the TTL operation starts
      expect(ttl).toBeGreaterThan(exempt);
      expect(deployCalls[ttl]).toContain('--enable-ttl');
    }
  });

  it('exempt the growing and unqueried fields, never a field a query filters or sorts on', () => {
    const exempt = (group: string) =>
      new Set(
        file.fieldOverrides.filter((o) => o.collectionGroup === group).map((o) => o.fieldPath),
      );
    for (const f of ['history', 'webhook', 'metadata', 'progress'])
      for (const group of ['deployments', 'deployment_status']) expect(exempt(group)).toContain(f);
    for (const ix of FIRESTORE_INDEXES)
      for (const f of ix.fields) expect(exempt(ix.collectionGroup)).not.toContain(f.fieldPath);
  });
});

describe('infra/release-rules.sh', () => {
  it('sends the token in a private header file, never on a command line, billed to the project', () => {
    const rec = recorderDir();
    const curlLog = path.join(rec.dir, 'curl.log');
    // Records each curl's arguments and, while curl runs, the header file it was given.
    writeFileSync(
      path.join(rec.dir, 'curl'),
      `#!/usr/bin/env bash
printf '%s\\x1f' "$@" >> "${curlLog}"; echo >> "${curlLog}"
prev=''
for a in "$@"; do
  if [ "$prev" = -H ] && [ "\${a#@}" != "$a" ]; then
    f="\${a#@}"; echo "mode $(stat -c %a "$f") file $f" >> "${curlLog}.headers"; cat "$f" >> "${curlLog}.headers"
  fi
  prev="$a"
done
echo '{"name":"projects/demo-proj/rulesets/r1"}'
`,
    );
    const r = spawnSync('bash', ['infra/release-rules.sh', 'demo-proj', 'firestore.rules'], {
      cwd: ROOT,
      env: { PATH: `${rec.dir}:/usr/bin:/bin`, HOME: tmpdir() },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const curls = readFileSync(curlLog, 'utf8').split('\n').filter(Boolean);
    expect(curls).toHaveLength(2); // create the ruleset, point the release at it
    for (const c of curls) expect(c).not.toContain('recorded-token');
    const headers = readFileSync(`${curlLog}.headers`, 'utf8');
    expect(headers).toContain('Authorization: Bearer recorded-token\n');
    expect(headers).toContain('x-goog-user-project: demo-proj\n');
    const files = [...headers.matchAll(/^mode (\d+) file (.+)$/gm)];
    expect(files).toHaveLength(2);
    for (const [, mode, file] of files) {
      expect(mode).toBe('600');
      expect(existsSync(file!)).toBe(false); // removed when the script ends
    }
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
  const m = (...prefix: string[]) => matching(cacheCalls, ...prefix);

  it('keeps the key pair in Secret Manager (created empty), mounted only where the cache is used', () => {
    expect(
      m('secrets', 'create')
        .map((c) => c[2])
        .sort(),
    ).toEqual([
      'OWNER_PEPPER',
      'SECRETS_KEY',
      'SHARED_CACHE_ACCESS_KEY_ID',
      'SHARED_CACHE_SECRET_ACCESS_KEY',
    ]);
    expect(m('secrets', 'versions', 'add')).toEqual([]);
    const pair =
      'SHARED_CACHE_ACCESS_KEY_ID=SHARED_CACHE_ACCESS_KEY_ID:latest,SHARED_CACHE_SECRET_ACCESS_KEY=SHARED_CACHE_SECRET_ACCESS_KEY:latest';
    for (const c of m('functions', 'deploy')) {
      const f = FUNCTIONS.find((x) => x.name === c[2])!;
      expect(flag(c, 'set-secrets')!.includes(pair)).toBe(f.sharedCache);
      // The key pair never travels as a plain environment variable.
      expect(flag(c, 'set-env-vars')).not.toMatch(/ACCESS_KEY/);
    }
    const accessors = m('secrets', 'add-iam-policy-binding').filter(
      (c) => c[2] === 'SHARED_CACHE_SECRET_ACCESS_KEY',
    );
    expect(accessors).toHaveLength(FUNCTIONS.filter((f) => f.sharedCache).length);
  });

  it('passes the bucket, endpoint and allowlist as settings, comma list intact', () => {
    const [api] = m('functions', 'deploy', 'api');
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

describe('cloudbuild.yaml', () => {
  const text = readFileSync(path.join(ROOT, 'cloudbuild.yaml'), 'utf8');
  const config = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');

  it('is a build config the real gcloud accepts (it fails only for lack of credentials)', () => {
    // gcloud reads the config before it asks for credentials: a bad field is "interpreting … as
    // build config".
    const r = spawnSync(
      GCLOUD,
      ['builds', 'submit', '--config=cloudbuild.yaml', '--no-source', '--project=demo-proj'],
      {
        cwd: ROOT,
        env: {
          PATH: '/usr/bin:/bin',
          CLOUDSDK_CONFIG: mkdtempSync(path.join(tmpdir(), 'gcloud-config-')),
          CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
        },
        encoding: 'utf8',
      },
    );
    expect(r.stderr).not.toMatch(/interpreting|unrecognized|invalid/i);
    expect(r.stderr).toMatch(/active account|credentials/);
  });

  it('tags the worker with a value every build has, allows an hour, uses the current CLI image', () => {
    // $SHORT_SHA is empty under `gcloud builds submit` (no commit): "worker:" is no valid tag.
    expect(config).not.toMatch(/SHORT_SHA|COMMIT_SHA/);
    expect(config).toMatch(/worker:\$BUILD_ID/);
    expect(config).toMatch(/^timeout: \d+s$/m);
    expect(config).not.toMatch(/cloudsdktool\/cloud-sdk/);
    expect(config).toMatch(/cloudsdktool\/google-cloud-cli/);
  });
});
