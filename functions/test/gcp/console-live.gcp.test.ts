import request from 'supertest';
import type { PublicDeployment } from '@visgate/shared';
import { createFirestoreSource } from '../../../console/src/live/firestore-source';
import { pollUntil } from '../../test-support/poll-until';
import { startGcpSystem, type GcpTestSystem } from '../../test-support/emulators/gcp-system';

// The web console's Google Cloud live source (the `firebase` web SDK's onSnapshot, as the browser
// runs it) on Google's Firestore emulator with firestore.rules: it follows a real deployment,
// created through the api function and driven by the step functions, to what the API returns.

jest.setTimeout(60_000);

let sys: GcpTestSystem;
beforeAll(async () => {
  sys = await startGcpSystem();
});
afterAll(async () => {
  await sys.close();
});

it('follows a deployment to ready and ends on the same document GET /v1/deployments/{id} returns', async () => {
  const host = sys.gcp.deps.config.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with --selectProjects gcp');
  const source = createFirestoreSource(
    {
      apiKey: 'console-test-web-api-key',
      appId: '1:1234567890:web:abcdef0123',
      projectId: sys.gcp.clients.projectId,
      databaseId: '(default)',
    },
    host,
  );
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send({ hf_model_id: 'stabilityai/sd-turbo' });
  expect(res.status).toBe(202);
  const id = (res.body as { deployment_id: string }).deployment_id;
  const seen: PublicDeployment[] = [];
  const errors: string[] = [];
  const stop = source.watch(
    id,
    (d) => seen.push(d),
    (e) => errors.push(e),
  );
  try {
    await pollUntil(() => seen.some((d) => d.status === 'ready'), 45_000, 50);
    await pollUntil(
      async () => {
        const api = await request(sys.url)
          .get(`/v1/deployments/${id}`)
          .set('Authorization', `Bearer ${sys.apiKey}`);
        return (
          JSON.stringify(seen.at(-1)?.history) === JSON.stringify(api.body.history) &&
          seen.at(-1)?.status === api.body.status
        );
      },
      20_000,
      100,
    );
  } finally {
    stop();
    await source.close();
  }
  expect(errors).toEqual([]);
  expect(seen.every((d) => d.deployment_id === id && !('owner_hash' in d))).toBe(true);
});
