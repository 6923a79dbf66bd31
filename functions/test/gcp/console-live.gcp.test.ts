import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { buildConsole } from '../../../console/build';
import { launchChromium } from '../../../console/test/chromium';
import { startGcpSystem, type GcpTestSystem } from '../../test-support/emulators/gcp-system';

// The web console as a Google Cloud deploy serves it (live status from Firestore), in Debian's
// Chromium: the page's own `firebase` web SDK (WebChannel, as in every browser) listens on Google's
// Firestore emulator with firestore.rules while the step functions drive a real deployment; the
// page reaches ready without a reload and ends on the document GET /v1/deployments/{id} returns.

jest.setTimeout(90_000);

let sys: GcpTestSystem;
let browser: Browser;
let assets: string;
beforeAll(async () => {
  assets = mkdtempSync(path.join(tmpdir(), 'visgate-console-'));
  await buildConsole(assets);
  [sys, browser] = await Promise.all([
    startGcpSystem({
      env: {
        CONSOLE_ASSETS_DIR: assets,
        CONSOLE_FIREBASE_API_KEY: 'console-test-web-api-key',
        CONSOLE_FIREBASE_APP_ID: '1:1234567890:web:abcdef0123',
      },
    }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser.close();
  await sys.close();
  rmSync(assets, { recursive: true, force: true });
});

it('follows a deployment to ready from Firestore and ends on what GET /v1/deployments/{id} returns', async () => {
  const emulator = sys.gcp.deps.config.FIRESTORE_EMULATOR_HOST;
  if (!emulator)
    throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with --selectProjects gcp');
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  const urls: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => urls.push(r.url()));

  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send({ hf_model_id: 'stabilityai/sd-turbo' });
  expect(res.status).toBe(202);
  const id = (res.body as { deployment_id: string }).deployment_id;

  await page.goto(sys.url);
  await page.getByLabel('RunPod API key').fill(sys.apiKey);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Deployments' }).waitFor();
  await page.goto(`${sys.url}/#/deployments/${id}`);
  await page.getByTestId('status').getByText('ready').waitFor({ timeout: 60_000 });

  const api = await request(sys.url)
    .get(`/v1/deployments/${id}`)
    .set('Authorization', `Bearer ${sys.apiKey}`);
  expect(api.body.status).toBe('ready');
  await page
    .locator('.timeline li')
    .nth((api.body.history as unknown[]).length - 1)
    .waitFor();
  const history = api.body.history as { to: string }[];
  const rows = await page.locator('.timeline li').allTextContents();
  expect(rows.length).toBe(history.length);
  expect(
    rows.map((row, i) => row.includes(history[i]?.to.replace(/_/g, ' ') ?? '-')),
  ).not.toContain(false);

  // The page read the document once over the API and then only listens: a change made elsewhere
  // (here a pause through the API, not the page) reaches it from Firestore.
  const paused = await request(sys.url)
    .post(`/v1/deployments/${id}/pause`)
    .set('Authorization', `Bearer ${sys.apiKey}`);
  expect(paused.status).toBeLessThan(300);
  await page.getByTestId('status').getByText('paused').waitFor({ timeout: 30_000 });

  const listens = urls.filter((u) => u.startsWith(`http://${emulator}/`) && u.includes('/Listen/'));
  expect(listens.length).toBeGreaterThan(0);
  expect(urls.filter((u) => u.includes('/events'))).toEqual([]);
  expect(urls.filter((u) => u.includes(sys.apiKey))).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});
