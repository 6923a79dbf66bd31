import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  CompositeIndex,
  FieldOverride,
} from '../functions/src/adapters/gcp/firestore-indexes';
import {
  FUNCTIONS,
  INVOKER_SERVICE_ACCOUNT,
  QUEUE_RETRY,
  type FunctionSpec,
} from '../functions/src/entry/manifest';
import { PLACEHOLDER_WORKER_IMAGE } from '../functions/src/config';
import { QUEUES, TOPICS } from '../functions/src/ports';

/** The APIs the system uses; enabling is idempotent. */
export const APIS = [
  'cloudfunctions.googleapis.com',
  'run.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  'eventarc.googleapis.com',
  'pubsub.googleapis.com',
  'cloudtasks.googleapis.com',
  'cloudscheduler.googleapis.com',
  'firestore.googleapis.com',
  'firebase.googleapis.com',
  'firebaserules.googleapis.com',
  'secretmanager.googleapis.com',
  'iam.googleapis.com',
  'logging.googleapis.com',
] as const;

export const SECRETS = ['OWNER_PEPPER', 'SECRETS_KEY'] as const;
/** The shared cache's read-write key pair, created and mounted only with a shared cache. */
export const SHARED_CACHE_SECRETS = [
  'SHARED_CACHE_ACCESS_KEY_ID',
  'SHARED_CACHE_SECRET_ACCESS_KEY',
] as const;

/** The platform ("shared") model cache (docs/model-caches.md); its keys go to Secret Manager. */
export interface SharedCacheOptions {
  /** `s3://bucket[/prefix]`. */
  url: string;
  /** S3-compatible endpoint (R2, MinIO); omitted for AWS S3. */
  endpointUrl?: string;
  /** Comma-separated model ids or `org/*`. */
  allowedModels?: string;
  rejectUnlisted?: boolean;
}

export interface PlanOptions {
  project: string;
  region: string;
  /** Folder the function bundle is built into (infra/build-functions.ts). */
  sourceDir: string;
  /** The worker image RunPod pulls; required, never the placeholder default. */
  workerImage: string;
  /** PUBLIC_BASE_URL (a custom domain in front of `api`); default the api function's own URL. */
  publicBaseUrl?: string;
  sharedCache?: SharedCacheOptions;
  /**
   * The Firebase web app the console listens to Firestore with (its public apiKey and appId); the
   * console uses SSE without it.
   */
  firebaseWebApp?: { apiKey: string; appId: string };
}

export class PlanError extends Error {}

/**
 * firestore.indexes.json, what the plan creates and exempts (rendered from
 * functions/src/adapters/gcp/firestore-indexes.ts; a test keeps the two equal).
 */
export function indexesFile(): {
  indexes: CompositeIndex[];
  fieldOverrides: (Omit<FieldOverride, 'indexes'> & { indexes: unknown[] })[];
} {
  return JSON.parse(
    readFileSync(path.join(__dirname, '..', 'firestore.indexes.json'), 'utf8'),
  ) as ReturnType<typeof indexesFile>;
}

/**
 * The Artifact Registry repository of `image` when it lives in this project
 * (`REGION-docker.pkg.dev/PROJECT/REPO/NAME[:TAG|@DIGEST]`): the deploy makes it publicly readable
 * so RunPod, which has no Google credentials, can pull the worker.
 */
export function workerRepository(
  image: string,
  project: string,
): { location: string; repository: string } | null {
  const m = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\/[^/]/.exec(image);
  const [, location, owner, repository] = m ?? [];
  if (location === undefined || repository === undefined || owner !== project) return null;
  return { location, repository };
}

/** Refuses a deploy RunPod could not run: no worker image, or the placeholder default. */
export function checkWorkerImage(image: string | undefined): string {
  if (image === undefined || image === '')
    throw new PlanError(
      'no --worker-image: build and push the worker (worker/Dockerfile), then pass its image, e.g. --worker-image=REGION-docker.pkg.dev/PROJECT/visgate/worker:TAG (docs/google-cloud.md)',
    );
  if (image === PLACEHOLDER_WORKER_IMAGE)
    throw new PlanError(
      `--worker-image=${image} is the placeholder default, not a published image: pass the image you pushed`,
    );
  return image;
}

/** `--set-env-vars` value; switches gcloud's list delimiter when a value holds a comma. */
export function envVarsFlag(env: readonly string[]): string {
  if (!env.some((e) => e.includes(','))) return env.join(',');
  const d = ['@', '#', '|', ';'].find((c) => !env.some((e) => e.includes(c)));
  if (d === undefined) throw new Error('no delimiter left for --set-env-vars');
  return `^${d}^${env.join(d)}`;
}

export const deadLetterTopic = (t: string): string => `${t}-dead-letter`;
/** The subscription that keeps a dead-letter topic's messages (a topic alone keeps none). */
export const deadLetterSubscription = (t: string): string => `${t}-dead-letter-keep`;
const schedulerJob = (f: FunctionSpec): string => `visgate-${f.name}`;

/** POSIX shell single-quoting, only where needed. */
export function q(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
const cmd = (...args: string[]): string => args.map(q).join(' ');
/** Runs `create` unless `describe` finds the resource (re-running the deploy is safe). */
const ensure = (describe: string[], create: string[]): string =>
  `${cmd(...describe)} >/dev/null 2>&1 || ${cmd(...create)}`;

/**
 * The whole deployment as shell lines, generated from the function manifest, the topics and
 * queues in ports.ts and the index list beside the Firestore adapters: nothing is listed twice.
 * `infra/deploy.sh` runs it (or prints it with --dry-run).
 */
export function deployPlan(o: PlanOptions): string[] {
  const P = ['--project', o.project];
  const R = ['--region', o.region];
  const L = ['--location', o.region];
  const sa = (name: string) => `${name}@${o.project}.iam.gserviceaccount.com`;
  const invoker = sa(INVOKER_SERVICE_ACCOUNT);
  const base = `https://${o.region}-${o.project}.cloudfunctions.net`;
  const urlOf = (f: FunctionSpec) => `${base}/${f.name}`;
  const lines: string[] = [];
  const section = (title: string) => lines.push(`echo ${q(`== ${title}`)}`);

  section('APIs');
  lines.push(cmd('gcloud', 'services', 'enable', ...APIS, ...P));

  section('Firestore (native mode), indexes, TTL');
  lines.push(
    ensure(
      ['gcloud', 'firestore', 'databases', 'describe', '--database=(default)', ...P],
      [
        'gcloud',
        'firestore',
        'databases',
        'create',
        `--location=${o.region}`,
        '--type=firestore-native',
        ...P,
      ],
    ),
  );
  const { indexes, fieldOverrides } = indexesFile();
  for (const ix of indexes) {
    // An identical index fails with ALREADY_EXISTS on a re-run: only that error is tolerated.
    const create = cmd(
      'gcloud',
      'firestore',
      'indexes',
      'composite',
      'create',
      `--collection-group=${ix.collectionGroup}`,
      '--query-scope=collection',
      ...ix.fields.map(
        (f) => `--field-config=field-path=${f.fieldPath},order=${f.order.toLowerCase()}`,
      ),
      '--async',
      ...P,
    );
    lines.push(
      `{ out="$(${create} 2>&1)" || { grep -qi 'already exists' <<<"$out" || { printf '%s\\n' "$out" >&2; exit 1; }; }; }`,
    );
  }
  // Single-field index exemptions (`indexes: []`): unqueried fields are not indexed on every write.
  // A TTL field's exemption runs to completion first, so the two operations on that field never
  // overlap.
  for (const f of fieldOverrides) {
    if (f.indexes.length > 0)
      throw new Error(
        `firestore.indexes.json: only "indexes": [] overrides are applied (${f.fieldPath})`,
      );
    lines.push(
      cmd(
        'gcloud',
        'firestore',
        'indexes',
        'fields',
        'update',
        f.fieldPath,
        `--collection-group=${f.collectionGroup}`,
        '--disable-indexes',
        ...(f.ttl ? [] : ['--async']),
        ...P,
      ),
    );
    if (f.ttl)
      lines.push(
        cmd(
          'gcloud',
          'firestore',
          'fields',
          'ttls',
          'update',
          f.fieldPath,
          `--collection-group=${f.collectionGroup}`,
          '--enable-ttl',
          '--async',
          ...P,
        ),
      );
  }
  // gcloud has no command for security rules: release firestore.rules through the Rules API.
  lines.push(`infra/release-rules.sh ${q(o.project)} firestore.rules`);

  // Each function gets only the secrets its manifest entry lists (loadConfig asks for exactly those).
  const secrets = [...SECRETS, ...(o.sharedCache ? SHARED_CACHE_SECRETS : [])];
  const secretsOf = (f: FunctionSpec): string[] => [
    ...f.secrets,
    ...(o.sharedCache && f.sharedCache ? SHARED_CACHE_SECRETS : []),
  ];
  section('Secrets (created empty; the operator adds the values)');
  for (const s of secrets) {
    lines.push(
      ensure(
        ['gcloud', 'secrets', 'describe', s, ...P],
        ['gcloud', 'secrets', 'create', s, '--replication-policy=automatic', ...P],
      ),
    );
    lines.push(
      `test -n "$(${cmd('gcloud', 'secrets', 'versions', 'list', s, '--filter=state:enabled', '--limit=1', '--format=value(name)', ...P)})" || { echo ${q(`secret ${s} has no value: see docs/google-cloud.md`)} >&2; exit 1; }`,
    );
  }

  section('Topics, dead-letter topics and the subscriptions that keep dead letters');
  for (const t of TOPICS) {
    lines.push(
      ensure(
        ['gcloud', 'pubsub', 'topics', 'describe', t, ...P],
        ['gcloud', 'pubsub', 'topics', 'create', t, ...P],
      ),
    );
    lines.push(
      ensure(
        ['gcloud', 'pubsub', 'topics', 'describe', deadLetterTopic(t), ...P],
        ['gcloud', 'pubsub', 'topics', 'create', deadLetterTopic(t), ...P],
      ),
    );
    // A topic without a subscription drops what is published to it: this one keeps dead letters
    // for 7 days (the longest) for inspection and replay, and never expires.
    lines.push(
      ensure(
        ['gcloud', 'pubsub', 'subscriptions', 'describe', deadLetterSubscription(t), ...P],
        [
          'gcloud',
          'pubsub',
          'subscriptions',
          'create',
          deadLetterSubscription(t),
          `--topic=${deadLetterTopic(t)}`,
          '--message-retention-duration=7d',
          '--expiration-period=never',
          '--ack-deadline=60',
          ...P,
        ],
      ),
    );
  }

  section('Task queues');
  for (const name of QUEUES) {
    const r = QUEUE_RETRY[name];
    const flags = [
      `--max-attempts=${r.maxAttempts}`,
      `--min-backoff=${r.minBackoffS}s`,
      `--max-backoff=${r.maxBackoffS}s`,
      `--max-doublings=${r.maxDoublings}`,
      ...L,
      ...P,
    ];
    lines.push(
      `${ensure(['gcloud', 'tasks', 'queues', 'describe', name, ...L, ...P], ['gcloud', 'tasks', 'queues', 'create', name, ...flags])} && ${cmd('gcloud', 'tasks', 'queues', 'update', name, ...flags)}`,
    );
  }

  const repo = workerRepository(o.workerImage, o.project);
  if (repo) {
    section('Worker image repository (public read: RunPod pulls without Google credentials)');
    const RL = [`--location=${repo.location}`, ...P];
    lines.push(
      ensure(
        ['gcloud', 'artifacts', 'repositories', 'describe', repo.repository, ...RL],
        [
          'gcloud',
          'artifacts',
          'repositories',
          'create',
          repo.repository,
          '--repository-format=docker',
          ...RL,
        ],
      ),
    );
    // Fails under the org policy iam.allowedPolicyMemberDomains (domain restricted sharing):
    // docs/google-cloud.md says what to do then.
    lines.push(
      cmd(
        'gcloud',
        'artifacts',
        'repositories',
        'add-iam-policy-binding',
        repo.repository,
        '--member=allUsers',
        '--role=roles/artifactregistry.reader',
        ...RL,
        '--quiet',
      ),
    );
  }

  section('Service accounts and roles (one per function, least privilege)');
  const accounts = [INVOKER_SERVICE_ACCOUNT, ...new Set(FUNCTIONS.map((f) => f.serviceAccount))];
  for (const a of accounts)
    lines.push(
      ensure(
        ['gcloud', 'iam', 'service-accounts', 'describe', sa(a), ...P],
        ['gcloud', 'iam', 'service-accounts', 'create', a, `--display-name=Visgate ${a}`, ...P],
      ),
    );
  for (const f of FUNCTIONS) {
    const member = `serviceAccount:${sa(f.serviceAccount)}`;
    for (const role of f.roles) {
      if (role.role === 'roles/iam.serviceAccountUser')
        lines.push(
          cmd(
            'gcloud',
            'iam',
            'service-accounts',
            'add-iam-policy-binding',
            invoker,
            `--member=${member}`,
            `--role=${role.role}`,
            ...P,
            '--quiet',
          ),
        );
      else if (role.role === 'roles/pubsub.publisher')
        // On our topics only, not project-wide.
        for (const t of TOPICS)
          lines.push(
            cmd(
              'gcloud',
              'pubsub',
              'topics',
              'add-iam-policy-binding',
              t,
              `--member=${member}`,
              `--role=${role.role}`,
              ...P,
              '--quiet',
            ),
          );
      else if (role.role === 'roles/cloudtasks.enqueuer')
        // On our queues only, not project-wide.
        for (const q of QUEUES)
          lines.push(
            cmd(
              'gcloud',
              'tasks',
              'queues',
              'add-iam-policy-binding',
              q,
              `--member=${member}`,
              `--role=${role.role}`,
              ...L,
              ...P,
              '--quiet',
            ),
          );
      else
        lines.push(
          cmd(
            'gcloud',
            'projects',
            'add-iam-policy-binding',
            o.project,
            `--member=${member}`,
            `--role=${role.role}`,
            '--condition=None',
            '--quiet',
          ),
        );
    }
    for (const s of secretsOf(f))
      lines.push(
        cmd(
          'gcloud',
          'secrets',
          'add-iam-policy-binding',
          s,
          `--member=${member}`,
          '--role=roles/secretmanager.secretAccessor',
          ...P,
          '--quiet',
        ),
      );
  }

  section('Functions (gen2, nodejs24)');
  lines.push(cmd('npx', 'tsx', 'infra/build-functions.ts', o.sourceDir));
  const env = [
    'MODE=gcp',
    `GCP_PROJECT_ID=${o.project}`,
    `GCP_REGION=${o.region}`,
    `PUBLIC_BASE_URL=${o.publicBaseUrl ?? `${base}/api`}`,
    `TASKS_INVOKER_SA=${invoker}`,
    `WORKER_IMAGE=${checkWorkerImage(o.workerImage)}`,
    ...(o.sharedCache
      ? [
          `SHARED_CACHE_S3_URL=${o.sharedCache.url}`,
          ...(o.sharedCache.endpointUrl
            ? [`SHARED_CACHE_ENDPOINT_URL=${o.sharedCache.endpointUrl}`]
            : []),
          ...(o.sharedCache.allowedModels
            ? [`SHARED_CACHE_ALLOWED_MODELS=${o.sharedCache.allowedModels}`]
            : []),
          `SHARED_CACHE_REJECT_UNLISTED=${o.sharedCache.rejectUnlisted ? 'true' : 'false'}`,
        ]
      : []),
    ...(o.firebaseWebApp
      ? [
          `CONSOLE_FIREBASE_API_KEY=${o.firebaseWebApp.apiKey}`,
          `CONSOLE_FIREBASE_APP_ID=${o.firebaseWebApp.appId}`,
        ]
      : []),
  ];
  for (const f of FUNCTIONS) {
    const t = f.trigger;
    const trigger =
      t.kind === 'pubsub'
        ? [
            `--trigger-topic=${t.topic}`,
            `--trigger-service-account=${invoker}`,
            ...(f.retry ? ['--retry'] : []),
          ]
        : [
            '--trigger-http',
            t.kind === 'http' ? '--allow-unauthenticated' : '--no-allow-unauthenticated',
          ];
    lines.push(
      cmd(
        'gcloud',
        'functions',
        'deploy',
        f.name,
        '--gen2',
        '--runtime=nodejs24',
        ...R,
        `--source=${o.sourceDir}`,
        `--entry-point=${f.name}`,
        ...trigger,
        `--memory=${f.memory}`,
        `--timeout=${f.timeoutS}s`,
        `--concurrency=${f.concurrency}`,
        '--cpu=1',
        `--max-instances=${f.maxInstances}`,
        '--min-instances=0',
        `--service-account=${sa(f.serviceAccount)}`,
        `--set-env-vars=${envVarsFlag(env)}`,
        `--set-secrets=${secretsOf(f)
          .map((s) => `${s}=${s}:latest`)
          .join(',')}`,
        ...P,
        '--quiet',
      ),
    );
    if (t.kind !== 'http')
      lines.push(
        cmd(
          'gcloud',
          'functions',
          'add-invoker-policy-binding',
          f.name,
          ...R,
          `--member=serviceAccount:${invoker}`,
          ...P,
        ),
      );
    if (t.kind === 'pubsub') {
      // Eventarc made the push subscription; give it the dead-letter topic and a retry backoff.
      // Pub/Sub's service agent forwards dead letters: it publishes to the DLQ, acks the source.
      const agent =
        'serviceAccount:service-$(gcloud projects describe ' +
        o.project +
        " --format='value(projectNumber)')@gcp-sa-pubsub.iam.gserviceaccount.com";
      lines.push(
        `${cmd('gcloud', 'pubsub', 'topics', 'add-iam-policy-binding', deadLetterTopic(t.topic))} "--member=${agent}" ${cmd('--role=roles/pubsub.publisher', ...P, '--quiet')}`,
      );
      // Eventarc creates the push subscription with the trigger, sometimes a little after the
      // deploy returns: look for it a few times, and stop the deploy when it never appears (or
      // gcloud fails) rather than leave the function without its dead-letter policy. `;`, not
      // `&&`, in the loop body: under `set -e` a failed command before `&&` would pass silently.
      const list = cmd(
        'gcloud',
        'pubsub',
        'topics',
        'list-subscriptions',
        t.topic,
        '--format=value(.)',
        ...P,
      );
      const missing = `no subscription on topic ${t.topic} after 6 tries (gcloud's errors, if any, are above): the Eventarc trigger of ${f.name} has none yet (gcloud eventarc triggers list --location=${o.region} --project=${o.project}); re-run the deploy`;
      lines.push(
        `subs=''; for try in 1 2 3 4 5 6; do subs="$(${list})" && test -n "$subs" && break; subs=''; sleep 10; done; test -n "$subs" || { echo ${q(missing)} >&2; exit 1; }; for sub in $subs; do ${cmd('gcloud', 'pubsub', 'subscriptions', 'add-iam-policy-binding')} "$sub" "--member=${agent}" ${cmd('--role=roles/pubsub.subscriber', ...P, '--quiet')}; ${cmd('gcloud', 'pubsub', 'subscriptions', 'update')} "$sub" ${cmd(`--dead-letter-topic=${deadLetterTopic(t.topic)}`, '--max-delivery-attempts=10', '--min-retry-delay=10s', '--max-retry-delay=600s', ...P)}; done`,
      );
    }
    if (t.kind === 'scheduler') {
      const common = [
        `--schedule=${t.schedule}`,
        `--uri=${urlOf(f)}`,
        '--http-method=POST',
        '--message-body={}',
        `--oidc-service-account-email=${invoker}`,
        `--oidc-token-audience=${urlOf(f)}`,
        // The default is 3 min; a reaper cycle may run up to its function timeout.
        `--attempt-deadline=${f.timeoutS}s`,
        ...L,
        ...P,
      ];
      const job = schedulerJob(f);
      lines.push(
        `${ensure(
          ['gcloud', 'scheduler', 'jobs', 'describe', job, ...L, ...P],
          [
            'gcloud',
            'scheduler',
            'jobs',
            'create',
            'http',
            job,
            ...common,
            '--headers=Content-Type=application/json',
          ],
        )} && ${cmd(
          'gcloud',
          'scheduler',
          'jobs',
          'update',
          'http',
          job,
          ...common,
          '--update-headers=Content-Type=application/json',
        )}`,
      );
    }
  }
  section(`API: ${o.publicBaseUrl ?? `${base}/api`}`);
  return lines;
}

/**
 * Removes everything deployPlan creates, in reverse order: scheduler job, functions (and with them
 * their Eventarc triggers and push subscriptions), dead-letter subscriptions, topics, queues,
 * secrets, project role bindings, service accounts, the worker repository's public binding (the
 * repository itself only with `deleteWorkerRepository`) and the Firestore database with all its
 * data. APIs stay enabled. Deleting what is already gone is skipped, so a teardown can be re-run.
 */
export function teardownPlan(
  o: Omit<PlanOptions, 'sourceDir' | 'workerImage'> & {
    workerImage?: string;
    /** Also delete the worker image repository (not only its public binding). */
    deleteWorkerRepository?: boolean;
  },
): string[] {
  if (o.deleteWorkerRepository && !(o.workerImage && workerRepository(o.workerImage, o.project)))
    throw new PlanError(
      '--delete-worker-repository needs --worker-image=REGION-docker.pkg.dev/PROJECT/REPO/NAME of this project',
    );
  const P = ['--project', o.project];
  const R = ['--region', o.region];
  const L = ['--location', o.region];
  const sa = (name: string) => `${name}@${o.project}.iam.gserviceaccount.com`;
  const lines: string[] = [];
  const section = (title: string) => lines.push(`echo ${q(`== ${title}`)}`);
  const gone = (describe: string[], del: string[]): string =>
    `! ${cmd(...describe)} >/dev/null 2>&1 || ${cmd(...del)}`;

  section('Scheduler jobs and functions');
  for (const f of FUNCTIONS)
    if (f.trigger.kind === 'scheduler')
      lines.push(
        gone(
          ['gcloud', 'scheduler', 'jobs', 'describe', schedulerJob(f), ...L, ...P],
          ['gcloud', 'scheduler', 'jobs', 'delete', schedulerJob(f), ...L, ...P, '--quiet'],
        ),
      );
  for (const f of FUNCTIONS)
    lines.push(
      gone(
        ['gcloud', 'functions', 'describe', f.name, '--gen2', ...R, ...P],
        ['gcloud', 'functions', 'delete', f.name, '--gen2', ...R, ...P, '--quiet'],
      ),
    );

  section('Dead-letter subscriptions and topics');
  for (const t of TOPICS) {
    lines.push(
      gone(
        ['gcloud', 'pubsub', 'subscriptions', 'describe', deadLetterSubscription(t), ...P],
        ['gcloud', 'pubsub', 'subscriptions', 'delete', deadLetterSubscription(t), ...P],
      ),
    );
    for (const topic of [t, deadLetterTopic(t)])
      lines.push(
        gone(
          ['gcloud', 'pubsub', 'topics', 'describe', topic, ...P],
          ['gcloud', 'pubsub', 'topics', 'delete', topic, ...P],
        ),
      );
  }

  section('Task queues');
  for (const name of QUEUES)
    lines.push(
      gone(
        ['gcloud', 'tasks', 'queues', 'describe', name, ...L, ...P],
        ['gcloud', 'tasks', 'queues', 'delete', name, ...L, ...P, '--quiet'],
      ),
    );

  section('Secrets');
  for (const s of [...SECRETS, ...SHARED_CACHE_SECRETS])
    lines.push(
      gone(
        ['gcloud', 'secrets', 'describe', s, ...P],
        ['gcloud', 'secrets', 'delete', s, ...P, '--quiet'],
      ),
    );

  section('Project role bindings and service accounts');
  for (const f of FUNCTIONS)
    for (const role of f.roles)
      if (role.role === 'roles/datastore.user')
        lines.push(
          `${cmd(
            'gcloud',
            'projects',
            'remove-iam-policy-binding',
            o.project,
            `--member=serviceAccount:${sa(f.serviceAccount)}`,
            `--role=${role.role}`,
            '--condition=None',
            '--quiet',
          )} >/dev/null 2>&1 || true`,
        );
  for (const a of [INVOKER_SERVICE_ACCOUNT, ...new Set(FUNCTIONS.map((f) => f.serviceAccount))])
    lines.push(
      gone(
        ['gcloud', 'iam', 'service-accounts', 'describe', sa(a), ...P],
        ['gcloud', 'iam', 'service-accounts', 'delete', sa(a), ...P, '--quiet'],
      ),
    );

  // The deploy opened the worker repository to allUsers; that binding always goes. The repository
  // itself may hold more than this deploy pushed (cloudbuild.yaml, the user's own images): deleted
  // only with --delete-worker-repository.
  const repo = o.workerImage ? workerRepository(o.workerImage, o.project) : null;
  if (o.workerImage === undefined)
    lines.push(
      `echo ${q('warning: no --worker-image: a worker repository the deploy made publicly readable (allUsers) stays so; re-run the teardown with --worker-image=IMAGE to close it')} >&2`,
    );
  if (repo) {
    section('Worker image repository: public read removed');
    const RL = [`--location=${repo.location}`, ...P];
    const describe = cmd('gcloud', 'artifacts', 'repositories', 'describe', repo.repository, ...RL);
    const unbind = cmd(
      'gcloud',
      'artifacts',
      'repositories',
      'remove-iam-policy-binding',
      repo.repository,
      '--member=allUsers',
      '--role=roles/artifactregistry.reader',
      ...RL,
      '--quiet',
    );
    // A binding already removed fails with "…binding … not found": that alone is tolerated.
    lines.push(
      `! ${describe} >/dev/null 2>&1 || { out="$(${unbind} 2>&1)" || { grep -qi 'not found' <<<"$out" || { printf '%s\\n' "$out" >&2; exit 1; }; }; }`,
    );
    if (o.deleteWorkerRepository)
      lines.push(
        gone(
          ['gcloud', 'artifacts', 'repositories', 'describe', repo.repository, ...RL],
          ['gcloud', 'artifacts', 'repositories', 'delete', repo.repository, ...RL, '--quiet'],
        ),
      );
  }

  section('Firestore database (every document, index and TTL policy)');
  lines.push(
    gone(
      ['gcloud', 'firestore', 'databases', 'describe', '--database=(default)', ...P],
      ['gcloud', 'firestore', 'databases', 'delete', '--database=(default)', ...P, '--quiet'],
    ),
  );
  return lines;
}

/** `--firebase-api-key` and `--firebase-app-id` go together (the console's Firestore listener). */
export function firebaseWebApp(
  apiKey: string | undefined,
  appId: string | undefined,
): PlanOptions['firebaseWebApp'] {
  if (apiKey === undefined && appId === undefined) return undefined;
  if (!apiKey || !appId)
    throw new PlanError('--firebase-api-key and --firebase-app-id go together');
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(apiKey))
    throw new PlanError('--firebase-api-key must be the Firebase web app apiKey');
  if (!/^\d+:\d+:web:[0-9a-f]+$/.test(appId))
    throw new PlanError('--firebase-app-id must be the Firebase web app appId (1:…:web:…)');
  return { apiKey, appId };
}

if (require.main === module) {
  const [project, region, ...rest] = process.argv.slice(2);
  if (!project || !region) {
    process.stderr.write(
      'usage: plan.ts PROJECT REGION [--teardown [--delete-worker-repository]] --worker-image=IMAGE [--shared-cache-url=s3://…]\n',
    );
    process.exit(2);
  }
  const value = (name: string): string | undefined => {
    const arg = rest.find((a) => a.startsWith(`--${name}=`));
    return arg?.slice(name.length + 3);
  };
  const workerImage = value('worker-image');
  const cacheUrl = value('shared-cache-url');
  const sharedCache: SharedCacheOptions | undefined = cacheUrl
    ? {
        url: cacheUrl,
        endpointUrl: value('shared-cache-endpoint'),
        allowedModels: value('shared-cache-allowed'),
        rejectUnlisted: rest.includes('--shared-cache-reject-unlisted'),
      }
    : undefined;
  try {
    if (rest.includes('--delete-worker-repository') && !rest.includes('--teardown'))
      throw new PlanError('--delete-worker-repository is a --teardown option');
    const lines = rest.includes('--teardown')
      ? teardownPlan({
          project,
          region,
          workerImage,
          deleteWorkerRepository: rest.includes('--delete-worker-repository'),
        })
      : deployPlan({
          project,
          region,
          sourceDir: '.build/functions',
          workerImage: checkWorkerImage(workerImage),
          publicBaseUrl: value('public-base-url'),
          sharedCache,
          firebaseWebApp: firebaseWebApp(value('firebase-api-key'), value('firebase-app-id')),
        });
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    process.stderr.write(`infra/deploy.sh: ${e.message}\n`);
    process.exit(2);
  }
}
