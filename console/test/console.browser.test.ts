import type { Browser, Page } from 'playwright-core';
import { fakeRunPodKey } from '../../sim/src/local-system';
import { simulatedPng } from '../../sim/src/runpod-sim/sim-image';
import { spawnDevServer, type SpawnedDevServer } from '../../sim/src/dev/spawn-dev-server';
import { launchChromium } from './chromium';

/**
 * The web console in Debian's Chromium against `npm run dev` (the local server on the RunPod and Hub
 * simulators, simulated waits shortened):
 * a person's whole session, from typing the key to deleting the deployment. Any console error,
 * page error, failed request or unexpected HTTP error fails it.
 */
jest.setTimeout(80_000);

let dev: SpawnedDevServer;
let browser: Browser;
/** Any well-formed key is its own simulated RunPod account on the dev server. */
const sys = { url: '', apiKey: fakeRunPodKey() };

beforeAll(async () => {
  [dev, browser] = await Promise.all([spawnDevServer({ timeScale: 0.05 }), launchChromium()]);
  sys.url = dev.url;
});
afterAll(async () => {
  await browser.close();
  await dev.stop();
});

interface Watched {
  page: Page;
  problems: string[];
  urls: string[];
  /** HTTP errors the step under way expects (e.g. 400 for a bad model id). */
  expect4xx: Set<string>;
}

async function openConsole(): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const w: Watched = { page, problems: [], urls: [], expect4xx: new Set() };
  page.on('console', (m) => {
    // Chromium echoes every HTTP error status as a console error; those are judged below.
    if (
      m.type() === 'error' &&
      !m.text().startsWith('Failed to load resource: the server responded')
    )
      w.problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.problems.push(`page error: ${e.message}`));
  page.on('request', (r) => w.urls.push(r.url()));
  page.on('requestfailed', (r) => {
    // A stream or fetch the page itself cancelled (leaving a page) is not a failure.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      w.problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !w.expect4xx.has(`${r.status()} ${path}`))
      w.problems.push(`HTTP ${r.status()}: ${r.request().method()} ${path}`);
  });
  await page.goto(sys.url);
  return w;
}

async function enterKey(page: Page, key: string): Promise<void> {
  await page.getByLabel('RunPod API key').fill(key);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page
    .getByRole('heading', { name: 'Deployments' })
    .waitFor({ timeout: 8000 })
    .catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${await page.locator('body').innerText()}`);
    });
}

const statusOf = (page: Page) => page.getByTestId('status');

async function confirmAction(page: Page, action: 'Pause' | 'Resume' | 'Delete'): Promise<void> {
  await page.getByRole('button', { name: action, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: action, exact: true }).click();
}

it('deploys from the form after the estimate, watches it live, runs a prompt, pauses, resumes, deletes', async () => {
  const w = await openConsole();
  const { page } = w;
  await enterKey(page, sys.apiKey);
  await page.getByText('No deployments yet.').waitFor();
  expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([1, 0]);

  await page.getByRole('link', { name: 'New deployment' }).first().click();
  await page.getByLabel('Hugging Face model').fill('stabilityai/sd-turbo');
  const estimate = page.getByTestId('estimate');
  await estimate.waitFor();
  expect(await estimate.textContent()).toContain('AMPERE_16');
  expect(await page.getByTestId('estimate-price').textContent()).toBe('$0.576/h');
  await page.getByRole('button', { name: 'Deploy' }).click();

  await page.waitForURL(/#\/deployments\/dpl_/);
  const id = /dpl_[a-z0-9]+/.exec(page.url())?.[0] ?? '';
  // Reaching ready without a reload is the live source at work; the timeline shows the way there.
  await statusOf(page).getByText('ready').waitFor({ timeout: 30_000 });
  const timeline = await page.locator('.timeline li').allTextContents();
  expect(timeline.length).toBeGreaterThanOrEqual(5);
  expect(await page.getByText('AMPERE_16').first().isVisible()).toBe(true);

  await page.getByRole('link', { name: 'Open playground' }).click();
  await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse at dusk');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('job-status').getByText('completed').waitFor({ timeout: 15_000 });
  const img = page.getByRole('img', { name: /Generated image 1/ });
  expect(await img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(
    0,
  );
  expect(await page.getByTestId('job-cost').textContent()).toMatch(/^\$0\.0/);

  // Image-to-image: the picked file goes as base64 and the result has the init image's size.
  await page.getByLabel('Start from an image (optional)').setInputFiles({
    name: 'sketch.png',
    mimeType: 'image/png',
    buffer: simulatedPng(192, 128, 'a sketch', 1),
  });
  expect(await page.getByLabel('Size').isDisabled()).toBe(true);
  await page.getByRole('button', { name: 'Run' }).click();
  await page.waitForFunction(() => {
    const i = document.querySelector<HTMLImageElement>('.images img');
    return i !== null && i.complete && i.naturalWidth === 192 && i.naturalHeight === 128;
  });

  await page.goto(`${sys.url}/#/deployments/${id}`);
  await statusOf(page).getByText('ready').waitFor();
  await confirmAction(page, 'Pause');
  await statusOf(page).getByText('paused').waitFor({ timeout: 15_000 });
  await confirmAction(page, 'Resume');
  await statusOf(page).getByText('ready').waitFor({ timeout: 30_000 });
  await confirmAction(page, 'Delete');
  await statusOf(page).getByText('deleted').waitFor({ timeout: 15_000 });

  await page.getByRole('link', { name: 'Deployments' }).first().click();
  await page.locator(`tr[data-deployment="${id}"]`).getByText('deleted').waitFor();

  // The key travels only in the Authorization header: never in a URL.
  expect(w.urls.filter((u) => u.includes(sys.apiKey))).toEqual([]);
  expect(w.problems).toEqual([]);
  await page.context().close();
});

it("shows the API's own message for a bad model id, and a second key sees none of the first key's deployments", async () => {
  const w = await openConsole();
  const { page } = w;
  const created = await fetch(`${sys.url}/v1/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hf_model_id: 'stabilityai/sd-turbo' }),
  });
  const { deployment_id: id } = (await created.json()) as { deployment_id: string };
  await enterKey(page, sys.apiKey);
  await page.locator(`tr[data-deployment="${id}"]`).waitFor();

  const res = await fetch(`${sys.url}/v1/estimates`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hf_model_id: 'not a model' }),
  });
  const apiMessage = ((await res.json()) as { errors: { message: string }[] }).errors[0]?.message;
  expect(apiMessage).toMatch(/org\/name/);
  w.expect4xx.add('400 /v1/estimates');
  await page.getByRole('link', { name: 'New deployment' }).first().click();
  await page.getByLabel('Hugging Face model').fill('not a model');
  await page
    .locator('#hf_model_id-error')
    .getByText(apiMessage ?? '')
    .waitFor();
  expect(await page.getByLabel('Hugging Face model').getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByRole('button', { name: 'Deploy' }).isDisabled()).toBe(true);

  await page.getByRole('button', { name: 'Forget key' }).click();
  await page.getByText('Key forgotten').waitFor();
  expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([0, 0]);

  const second = fakeRunPodKey();
  await page.getByLabel('Remember on this device').check();
  await enterKey(page, second);
  await page.getByText('No deployments yet.').waitFor();
  expect(await page.locator('tr[data-deployment]').count()).toBe(0);
  await page.goto(`${sys.url}/#/deployments/${id}`);
  w.expect4xx.add(`404 /v1/deployments/${id}`);
  await page.getByRole('alert').getByText('no such deployment').waitFor();
  expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([0, 1]);
  expect(w.problems).toEqual([]);
  await page.context().close();
});
