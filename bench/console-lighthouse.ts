/**
 * `npm run bench:console [-- --shots DIR]`: Lighthouse (mobile preset, simulated throttling) in
 * Debian's Chromium against `npm run dev` (the local server on the simulators, waits shortened), on the console's Deployments and
 * Deployment pages, printed as a markdown table (goals: accessibility and best practices >= 95,
 * performance >= 90). Asserts nothing. With `--shots DIR` it also saves a screenshot of every page.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { PublicDeployment as Deployment } from '@visgate/shared';
import { buildConsole, DEFAULT_CONSOLE_DIR } from '../console/build';
import { chromiumPath } from '../console/test/chromium';
import {
  fakeRunPodKey,
  spawnDevServer,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@visgate/sim';

/** What the pages are measured against: `npm run dev` and one simulated RunPod account. */
interface LocalSystem {
  url: string;
  apiKey: string;
  receiver: WebhookReceiver;
}

const GOALS: Record<string, number> = {
  performance: 90,
  accessibility: 95,
  'best-practices': 95,
};
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
/** Lighthouse runs per page; the table shows the median (by performance). */
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const METRICS = [
  'first-contentful-paint',
  'largest-contentful-paint',
  'total-blocking-time',
  'cumulative-layout-shift',
  'speed-index',
];

/** The version package.json pins (the bench prints what it measured with). */
const LIGHTHOUSE_VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies.lighthouse;

async function deploy(sys: LocalSystem, body: unknown): Promise<{ deployment_id: string }> {
  const res = await fetch(`${sys.url}/v1/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { deployment_id: string };
}

/** Polls the deployment until `done` holds for it. */
async function waitFor(
  sys: LocalSystem,
  id: string,
  done: (d: Deployment) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const res = await fetch(`${sys.url}/v1/deployments/${id}`, {
      headers: { authorization: `Bearer ${sys.apiKey}` },
    });
    if (done((await res.json()) as Deployment)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`deployment ${id} did not get there within ${timeoutMs} ms`);
}

/** A ready deployment with a delivered webhook (and a second one coming up), so every page has content. */
async function seed(sys: LocalSystem): Promise<string> {
  const d = await deploy(sys, {
    hf_model_id: 'stabilityai/sd-turbo',
    user_webhook_url: sys.receiver.url,
    budget_usd: 5,
  });
  await waitFor(
    sys,
    d.deployment_id,
    (doc) =>
      doc.status === 'ready' &&
      (doc.webhook?.deliveries.some((x) => x.status === 'delivered') ?? false),
  );
  await deploy(sys, {
    hf_model_id: 'stabilityai/stable-diffusion-xl-base-1.0',
  });
  return d.deployment_id;
}

async function screenshots(sys: LocalSystem, browser: Browser, id: string, dir: string) {
  mkdirSync(dir, { recursive: true });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const shot = (name: string) =>
    page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  await page.goto(`${sys.url}/#/`);
  await page.evaluate(() => {
    localStorage.clear();
  });
  await page.reload();
  await page.getByLabel('RunPod API key').waitFor();
  await shot('1-key');
  await page.getByLabel('RunPod API key').fill(sys.apiKey);
  await page.getByLabel('Remember on this device').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator(`tr[data-deployment="${id}"]`).waitFor();
  await shot('2-deployments');
  await page.goto(`${sys.url}/#/new`);
  await page.getByLabel('Hugging Face model').fill('black-forest-labs/FLUX.1-schnell');
  await page.getByTestId('estimate').waitFor();
  await shot('3-new-deployment');
  await page.getByLabel('Hugging Face model').fill('not a model');
  await page.locator('#hf_model_id-error').waitFor();
  await shot('4-new-deployment-bad-id');
  await page.goto(`${sys.url}/#/deployments/${id}`);
  await page.getByTestId('status').getByText('ready').waitFor();
  await shot('5-deployment');
  await page.goto(`${sys.url}/#/playground/${id}`);
  await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse at dusk, oil painting');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('job-status').getByText('completed').waitFor();
  await shot('6-playground');
  await ctx.close();
  // Phone width in dark mode: the same deployment page as a person on a phone at night sees it.
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    colorScheme: 'dark',
  });
  const p2 = await phone.newPage();
  await p2.goto(sys.url);
  await p2.getByLabel('RunPod API key').fill(sys.apiKey);
  await p2.getByRole('button', { name: 'Continue' }).click();
  await p2.goto(`${sys.url}/#/deployments/${id}`);
  await p2.getByTestId('status').getByText('ready').waitFor();
  await p2.screenshot({ path: path.join(dir, '7-deployment-phone-dark.png'), fullPage: true });
  await phone.close();
}

async function main(): Promise<void> {
  const shotsAt = process.argv.indexOf('--shots');
  const shotsDir = shotsAt > 0 ? process.argv[shotsAt + 1] : undefined;
  await buildConsole(DEFAULT_CONSOLE_DIR);
  const [dev, receiver] = await Promise.all([
    spawnDevServer({ timeScale: 0.05 }),
    startWebhookReceiver(),
  ]);
  const sys: LocalSystem = { url: dev.url, apiKey: fakeRunPodKey(), receiver };
  const port = 9300 + Math.floor(Math.random() * 500);
  const profile = mkdtempSync(path.join(tmpdir(), 'lighthouse-profile-'));
  const args = ['--no-sandbox', '--disable-dev-shm-usage'];
  // Lighthouse opens its tabs in the browser's default context: a persistent one, holding the key.
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: [...args, `--remote-debugging-port=${port}`],
    // Playwright turns the back/forward cache off; people's browsers have it on.
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
  try {
    const id = await seed(sys);
    if (shotsDir) {
      const browser = await chromium.launch({ executablePath: chromiumPath(), args });
      await screenshots(sys, browser, id, shotsDir);
      await browser.close();
    }
    const page = await ctx.newPage();
    await page.goto(sys.url);
    await page.evaluate((key) => {
      localStorage.setItem('visgate.runpod-key', key);
    }, sys.apiKey);

    const { default: lighthouse } = await import('lighthouse');
    const pages: [string, string][] = [
      ['Deployments', `${sys.url}/#/`],
      ['Deployment', `${sys.url}/#/deployments/${id}`],
      ['New deployment', `${sys.url}/#/new`],
    ];
    const rows: string[] = [];
    const benchmarkIndex: number[] = [];
    for (const [name, url] of pages) {
      // The median of RUNS by performance score: one run on a shared machine is noisy.
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        // A query of its own per run: a fragment-only change is no navigation for Lighthouse.
        const result = await lighthouse(url.replace('/#', `/?run=${name.length}-${i}#`), {
          port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: CATEGORIES,
          disableStorageReset: true,
        });
        if (result) runs.push(result.lhr);
      }
      runs.sort(
        (a, b) => (a.categories.performance?.score ?? 0) - (b.categories.performance?.score ?? 0),
      );
      const lhr = runs[Math.floor(runs.length / 2)];
      if (!lhr) throw new Error(`no Lighthouse result for ${name}`);
      const cells = CATEGORIES.map((c) => {
        const score = Math.round((lhr.categories[c]?.score ?? 0) * 100);
        const goal = GOALS[c];
        return goal === undefined || score >= goal ? `${score}` : `${score} ✗`;
      });
      const failing = Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary')
        .map((a) => a.id);
      const metrics = METRICS.map((id) => lhr.audits[id]?.displayValue ?? '—');
      // A run that failed (runtimeError) scores 0: named, so it is not read as a slow page.
      const perf = runs.map((r) =>
        r.runtimeError
          ? `error ${r.runtimeError.code}`
          : String(Math.round((r.categories.performance?.score ?? 0) * 100)),
      );
      benchmarkIndex.push(...runs.map((r) => r.environment.benchmarkIndex));
      rows.push(
        `| ${name} | ${cells.join(' | ')} | ${metrics.join(' | ')} | ${perf.join(', ')} | ${failing.join(', ') || '—'} |`,
      );
      if (process.argv.includes('--details'))
        for (const id of failing)
          process.stderr.write(
            `${name} ${id}: ${JSON.stringify(lhr.audits[id]?.details).slice(0, 800)}\n`,
          );
    }
    process.stdout.write(
      [
        '',
        `Lighthouse ${LIGHTHOUSE_VERSION}, mobile preset, median of ${RUNS} runs, Chromium at ${chromiumPath()}; goals: performance >= 90, accessibility >= 95, best practices >= 95 (✗ = below)`,
        '',
        `| page | ${CATEGORIES.join(' | ')} | ${METRICS.join(' | ')} | performance of each run | failed binary audits |`,
        `| --- | ${[...CATEGORIES, ...METRICS].map(() => '---:').join(' | ')} | --- | --- |`,
        ...rows,
        '',
        `Lighthouse's CPU benchmark index on this machine: ${Math.min(...benchmarkIndex)}–${Math.max(...benchmarkIndex)} (a quiet desktop scores about 1500-2500; lower means a loaded CPU and a higher total blocking time).`,
        '',
      ].join('\n'),
    );
  } finally {
    await ctx.close();
    await Promise.all([dev.stop(), receiver.close()]);
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
