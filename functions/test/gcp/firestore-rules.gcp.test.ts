import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import {
  collection,
  connectFirestoreEmulator,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  getFirestore,
  onSnapshot,
  setDoc,
  terminate,
  type Firestore,
} from 'firebase/firestore';
import request from 'supertest';
import {
  PublicDeploymentSchema,
  type DeploymentStatus,
  type PublicDeployment,
} from '@visgate/shared';
import { DEPLOYMENT_STATUS } from '../../src/adapters/gcp/firestore-deployment-store';
import { pollUntil } from '../../test-support/poll-until';
import { startGcpSystem, type GcpTestSystem } from '../../test-support/emulators/gcp-system';

// What an unauthenticated web client (the `firebase` JS SDK, as a browser would use it) can read
// on Google's Firestore emulator with firestore.rules loaded: one deployment's public projection
// by id, live; nothing else. The deployment is a real one, created through the api function and
// driven to ready by the step functions.

jest.setTimeout(60_000);

let sys: GcpTestSystem;
let app: FirebaseApp;
let web: Firestore;

beforeAll(async () => {
  sys = await startGcpSystem();
  // The emulator the gcp project's globalSetup started (FIRESTORE_EMULATOR_HOST).
  const host = sys.gcp.deps.config.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with --selectProjects gcp');
  const [hostname, port] = host.split(':');
  app = initializeApp({ projectId: sys.gcp.clients.projectId, apiKey: 'web-api-key' }, 'web');
  web = getFirestore(app);
  connectFirestoreEmulator(web, hostname!, Number(port));
});

afterAll(async () => {
  await terminate(web);
  await deleteApp(app);
  await sys.close();
});

async function deploy(): Promise<string> {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send({ hf_model_id: 'stabilityai/sd-turbo' });
  expect(res.status).toBe(202);
  return (res.body as { deployment_id: string }).deployment_id;
}

async function restView(id: string): Promise<PublicDeployment> {
  const res = await request(sys.url)
    .get(`/v1/deployments/${id}`)
    .set('Authorization', `Bearer ${sys.apiKey}`);
  expect(res.status).toBe(200);
  return res.body as PublicDeployment;
}

const denied = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'allowed';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

/** `part` appears in `whole` in the same order. */
function inOrderWithin<T>(part: readonly T[], whole: readonly T[]): boolean {
  let i = 0;
  for (const x of whole) if (i < part.length && part[i] === x) i += 1;
  return i === part.length;
}

describe('a web client under firestore.rules', () => {
  it('follows one deployment live to ready, seeing exactly what GET /v1/deployments/{id} returns', async () => {
    const id = await deploy();
    const snapshots: Record<string, unknown>[] = [];
    const errors: unknown[] = [];
    const stop = onSnapshot(
      doc(web, DEPLOYMENT_STATUS, id),
      (snap) => {
        if (snap.exists()) snapshots.push(snap.data());
      },
      (e) => errors.push(e),
    );
    try {
      await pollUntil(() => snapshots.some((s) => s.status === 'ready'), 45_000, 50);
      // The steps go on after ready (settling): wait until the listener and the API agree.
      let final: PublicDeployment | null = null;
      await pollUntil(
        async () => {
          final = await restView(id);
          return deepEqual(snapshots.at(-1), final);
        },
        20_000,
        100,
      );
      expect((final as PublicDeployment | null)?.status).toBe('ready');
    } finally {
      stop();
    }
    expect(errors).toEqual([]);
    const publicKeys = Object.keys(PublicDeploymentSchema.shape).sort();
    for (const s of snapshots) {
      // Never a field the API strips (owner_hash links all deployments of one key), never less.
      expect(Object.keys(s).sort()).toEqual(publicKeys);
      expect(PublicDeploymentSchema.strict().safeParse(s).success).toBe(true);
    }
    const history = (await restView(id)).history.map((h) => h.to);
    const statuses: DeploymentStatus[] = [];
    for (const s of snapshots) {
      const st = s.status as DeploymentStatus;
      if (statuses.at(-1) !== st) statuses.push(st);
    }
    // A real listener may start late and coalesce quick changes: an ordered part of the history.
    expect(inOrderWithin(statuses, history)).toBe(true);
    expect(statuses.at(-1)).toBe('ready');
  });

  it('may get one deployment status by id, and nothing else: no list, no writes, no other collection', async () => {
    const id = await deploy();
    await pollUntil(
      async () => (await getDoc(doc(web, DEPLOYMENT_STATUS, id))).exists(),
      10_000,
      50,
    );
    const got = await getDoc(doc(web, DEPLOYMENT_STATUS, id));
    expect(got.data()?.deployment_id).toBe(id);
    expect(got.data()).not.toHaveProperty('owner_hash');

    expect(await denied(getDocs(collection(web, DEPLOYMENT_STATUS)))).toBe('permission-denied');
    expect(await denied(setDoc(doc(web, DEPLOYMENT_STATUS, id), { status: 'ready' }))).toBe(
      'permission-denied',
    );
    expect(await denied(setDoc(doc(web, DEPLOYMENT_STATUS, 'dpl_new'), { status: 'x' }))).toBe(
      'permission-denied',
    );
    expect(await denied(deleteDoc(doc(web, DEPLOYMENT_STATUS, id)))).toBe('permission-denied');
    // The internal document (owner hash, bookkeeping) and every other collection: closed.
    for (const col of ['deployments', 'deployment_secrets', 'idempotency', 'jobs', 'anything']) {
      expect(await denied(getDoc(doc(web, col, id)))).toBe('permission-denied');
      expect(await denied(getDocs(collection(web, col)))).toBe('permission-denied');
      expect(await denied(setDoc(doc(web, col, id), { a: 1 }))).toBe('permission-denied');
    }
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  return v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}
