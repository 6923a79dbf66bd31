import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createMemoryLogger } from '../src/adapters/log/json-logger';
import { fakeRunPodKey, startLocalSystem, type LocalSystem } from '@visgate/sim';

/**
 * `npm run test:api-fuzz`: Schemathesis (tools/schemathesis/requirements.txt) against the local server
 * on the RunPod and Hub simulators, driven only by our own `/openapi.json`. Two RunPod keys (two
 * tenants) are configured as peers so object-level authorization is really checked; real ids of
 * both tenants' deployments (ready, deleted) and jobs are mixed into the `id` path parameters; every
 * check runs, the stateful phase follows the document's links, and each response must come back
 * within MAX_RESPONSE_S. Exits with Schemathesis' status: non-zero on any failure.
 */

const ROOT = resolve(__dirname, '../..');
const VENV = join(ROOT, '.tools/schemathesis-venv');
/** Response-time ceiling, generous for a loaded 2-core CI machine; the API answers in milliseconds. */
const MAX_RESPONSE_S = 5;
/** Bounds that keep the run near 3 minutes on 2 cores (extra arguments are passed to Schemathesis). */
const MAX_EXAMPLES = 25;
const MAX_TIME_S = 130;
const SEED = '20261130';
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function post(
  sys: LocalSystem,
  key: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${sys.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`seed ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** One ready deployment with one finished job for `key`; returns their ids. */
async function seedTenant(sys: LocalSystem, key: string): Promise<{ dpl: string; job: string }> {
  const created = await post(sys, key, '/v1/deployments', { hf_model_id: 'stabilityai/sd-turbo' });
  const dpl = String(created.deployment_id);
  await sys.waitForStatus(dpl, ['ready'], 30_000);
  const job = await post(sys, key, `/v1/deployments/${dpl}/jobs`, { input: { prompt: 'seed' } });
  return { dpl, job: String(job.job_id) };
}

const toml = (v: string): string => JSON.stringify(v);

/** Runs a program with this process's stdout/stderr; resolves with its exit status. */
function run(program: string, args: string[], cwd?: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn(program, args, { stdio: 'inherit', cwd });
    child.on('exit', (c, signal) => {
      done(c ?? (signal ? 1 : 0));
    });
  });
}

interface ScenarioFinished {
  recorder?: { checks?: Record<string, { name: string; status: string }[]> };
}

/** Per-check totals from Schemathesis' NDJSON events: every check run on every test case. */
export function checkTable(ndjson: string): string {
  const seen = new Set<string>();
  const rows = new Map<string, Record<string, number>>();
  for (const line of ndjson.split('\n')) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const event = (JSON.parse(line) as { ScenarioFinished: ScenarioFinished }).ScenarioFinished;
    for (const [caseId, checks] of Object.entries(event.recorder?.checks ?? {})) {
      for (const [i, check] of checks.entries()) {
        if (seen.has(`${caseId}/${i}`)) continue;
        seen.add(`${caseId}/${i}`);
        const row = rows.get(check.name) ?? {};
        row[check.status] = (row[check.status] ?? 0) + 1;
        rows.set(check.name, row);
      }
    }
  }
  const statuses = ['success', 'failure', 'skip', 'error'];
  const width = Math.max(...[...rows.keys()].map((k) => k.length), 5);
  const line = (cells: string[]): string =>
    `| ${cells[0]!.padEnd(width)} | ${cells
      .slice(1)
      .map((c) => c.padStart(7))
      .join(' | ')} |`;
  return [
    '',
    'Schemathesis checks (every run of each check, from its NDJSON events):',
    line(['check', 'passed', 'failed', 'skipped', 'errored']),
    line(['-'.repeat(width), ...statuses.map(() => '-'.repeat(7))]),
    ...[...rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, row]) => line([name, ...statuses.map((s) => String(row[s] ?? 0))])),
  ].join('\n');
}

/** How many findings hooks.py excused, by the documented design each one proved to be. */
export function excusedTable(lines: string): string {
  const counts = new Map<string, number>();
  for (const reason of lines.split('\n').filter(Boolean))
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  if (counts.size === 0) return '\nFindings excused by hooks.py: none';
  return [
    '',
    'Findings excused by hooks.py (each re-checked against the documented design):',
    ...[...counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, n]) => `  ${String(n).padStart(4)}  ${reason}`),
  ].join('\n');
}

async function main(): Promise<number> {
  const schemathesis = join(VENV, 'bin', 'schemathesis');
  if (!existsSync(schemathesis)) {
    process.stderr.write(
      `api-fuzz: ${schemathesis} is missing; install it with\n` +
        `  python3 -m venv .tools/schemathesis-venv && .tools/schemathesis-venv/bin/pip install -r tools/schemathesis/requirements.txt\n`,
    );
    return 2;
  }
  const sys = await startLocalSystem({
    log: createMemoryLogger('warn'),
    env: { LOG_LEVEL: 'warn', WEBHOOK_ALLOW_PRIVATE_HOSTS: 'false' },
    runpod: { initMs: 30, downloadMs: 60, downloadSteps: 2, loadMs: 30, jobMs: 50 },
  });
  const dir = await mkdtemp(join(tmpdir(), 'api-fuzz-'));
  try {
    const alice = sys.apiKey;
    const bob = fakeRunPodKey();
    sys.runpod.addAccount(bob);
    const a = await seedTenant(sys, alice);
    const b = await seedTenant(sys, bob);
    const gone = String(
      (await post(sys, alice, '/v1/deployments', { hf_model_id: 'stabilityai/sd-turbo' }))
        .deployment_id,
    );
    await sys.waitForStatus(gone, ['ready'], 30_000);
    await fetch(`${sys.url}/v1/deployments/${gone}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${alice}` },
    });
    await sys.waitForStatus(gone, ['deleted'], 30_000);

    const auth = {
      auth: [
        { name: 'alice', fixedHeaders: [{ name: 'Authorization', value: `Bearer ${alice}` }] },
        { name: 'bob', fixedHeaders: [{ name: 'Authorization', value: `Bearer ${bob}` }] },
      ],
    };
    await writeFile(join(dir, 'auth.json'), JSON.stringify(auth));
    const config = [
      `hooks = ${toml(join(ROOT, 'tools/schemathesis/hooks.py'))}`,
      ``,
      `[auth.wfc]`,
      `path = ${toml(join(dir, 'auth.json'))}`,
      `peers = ["alice", "bob"]`,
      ``,
      `[dictionaries.deployment_ids]`,
      `values = [${[a.dpl, b.dpl, gone].map(toml).join(', ')}]`,
      `[dictionaries.job_ids]`,
      `values = [${[a.job, b.job].map(toml).join(', ')}]`,
      ``,
      `[[operations]]`,
      `include-path-regex = "^/(v1/deployments|internal/worker-[a-z]+)/\\\\{id\\\\}"`,
      `parameters = { "path.id" = { dictionary = "deployment_ids", probability = 0.5 } }`,
      ``,
      `[[operations]]`,
      `include-path-regex = "^/(v1/jobs|internal/job-hints)/\\\\{id\\\\}"`,
      `parameters = { "path.id" = { dictionary = "job_ids", probability = 0.5 } }`,
      ``,
      // A schema-valid request to these must succeed; the few rejections whose cause the schema
      // cannot express are excused one by one in hooks.py (filter_failure), after checking them.
      `[[operations]]`,
      `include-operation-id = ["listDeployments", "listJobs", "createDeployment", "createEstimate", "createJob"]`,
      `checks.positive_data_acceptance.expected-statuses = ["2xx"]`,
      ``,
    ].join('\n');
    await writeFile(join(dir, 'schemathesis.toml'), config);

    // The document itself first: a valid OpenAPI 3.1 document, or nothing else is worth running.
    const doc = await (await fetch(`${sys.url}/openapi.json`)).text();
    await writeFile(join(dir, 'openapi.json'), doc);
    const validator = await run(join(VENV, 'bin', 'python'), [
      '-m',
      'openapi_spec_validator',
      join(dir, 'openapi.json'),
    ]);
    if (validator !== 0) return validator;

    const args = [
      '--config-file',
      join(dir, 'schemathesis.toml'),
      'run',
      `${sys.url}/openapi.json`,
      '--checks',
      'all',
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-response-time',
      String(MAX_RESPONSE_S),
      '--max-examples',
      String(MAX_EXAMPLES),
      '--max-time',
      String(MAX_TIME_S),
      '--seed',
      SEED,
      '--workers',
      '1',
      '--continue-on-failure',
      '--no-color',
      '--suppress-health-check',
      'too_slow,filter_too_much',
      '--generation-database',
      'none',
      '--report',
      'ndjson',
      '--report-ndjson-path',
      join(dir, 'events.ndjson'),
      ...process.argv.slice(2),
    ];
    say(`api-fuzz: schemathesis ${args.join(' ')}`);
    // hooks.py appends each finding it excuses to this file in Schemathesis' working directory.
    const excused = join(dir, 'excused.txt');
    await writeFile(excused, '');
    const code = await run(schemathesis, args, dir);
    if (existsSync(join(dir, 'events.ndjson')))
      say(checkTable(await readFile(join(dir, 'events.ndjson'), 'utf8')));
    say(excusedTable(await readFile(excused, 'utf8')));
    return code;
  } finally {
    await sys.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
