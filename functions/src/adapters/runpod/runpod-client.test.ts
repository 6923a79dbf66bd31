import { randomBytes } from 'node:crypto';
import { AppError } from '@visgate/shared';
import { startRunPodSim, type RunPodSim } from '@visgate/sim';
import { createRunPodClient } from './runpod-client';
import { scrubSecrets } from './scrub-secrets';

const KEY = `rpa_TEST${randomBytes(16).toString('hex')}`;

let sim: RunPodSim;

beforeEach(async () => {
  sim = await startRunPodSim();
  sim.addAccount(KEY);
});

afterEach(async () => {
  await sim.close();
});

function clientFor(timeoutMs = 2_000, fetchFn?: typeof fetch) {
  return createRunPodClient({
    apiBaseUrl: sim.url,
    endpointBaseUrl: sim.url,
    timeoutMs,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
}

/** The AppError a call rejects with (fails the test if it resolves). */
async function failureOf(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(`${err.message} ${JSON.stringify(err.details)}`).not.toContain(KEY);
    return err;
  }
  throw new Error('expected the call to fail');
}

/** A fetch that always answers with this status, body and headers (an outbound-edge fake). */
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (() =>
    Promise.resolve(
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/problem+json', ...headers },
      }),
    )) as typeof fetch;
}

describe('createRunPodClient', () => {
  it('maps an unknown key to a non-retryable RUNPOD_AUTH', async () => {
    const err = await failureOf(clientFor().verifyKey(`rpa_TEST${randomBytes(8).toString('hex')}`));
    expect(err).toMatchObject({ code: 'RUNPOD_AUTH', retryable: false });
  });

  it('maps a missing endpoint to NOT_FOUND', async () => {
    const err = await failureOf(clientFor().getEndpoint(KEY, 'doesnotexist00'));
    expect(err.code).toBe('NOT_FOUND');
  });

  it('maps 429 to RATE_LIMITED with Retry-After seconds', async () => {
    sim.set({ rate429: 1 });
    const err = await failureOf(clientFor().listTemplates(KEY));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterS: 1 });
  });

  it('maps a 5xx to a retryable UPSTREAM_UNAVAILABLE', async () => {
    sim.set({ errorRate5xx: 1 });
    const err = await failureOf(clientFor().listEndpoints(KEY));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });

  it('maps a timeout to UPSTREAM_UNAVAILABLE', async () => {
    sim.set({ latencyMs: 500 });
    const err = await failureOf(clientFor(50).listGpuTypes(KEY));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(err.message).toMatch(/within 50 ms/);
  });

  it('maps an unreachable host to UPSTREAM_UNAVAILABLE', async () => {
    const closed = await startRunPodSim();
    await closed.close();
    const client = createRunPodClient({
      apiBaseUrl: closed.url,
      endpointBaseUrl: closed.url,
      timeoutMs: 2_000,
    });
    const err = await failureOf(client.verifyKey(KEY));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });

  it('maps a schema violation to VALIDATION_FAILED with the upstream errors', async () => {
    const client = clientFor();
    const err = await failureOf(
      client.createTemplate(KEY, { name: 't', image: 'img', diskGb: 0, env: {} }),
    );
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details.errors).toEqual(expect.arrayContaining([expect.stringMatching(/disk/)]));
  });

  it('maps a 4xx about capacity to NO_CAPACITY', async () => {
    const client = clientFor(
      2_000,
      answering(400, {
        title: 'Bad Request',
        status: 400,
        detail: 'There are no longer any instances available with enough GPU capacity',
      }),
    );
    const err = await failureOf(client.listTemplates(KEY));
    expect(err.code).toBe('NO_CAPACITY');
  });

  it('never quotes the key or a bearer token from an upstream body', async () => {
    const echo = answering(400, {
      title: 'Bad Request',
      status: 400,
      detail: `bad key ${KEY} sent as Bearer ${KEY} and rpa_OTHERSECRET123 ${'x'.repeat(600)}`,
      errors: [`header was Bearer ${KEY}`],
    });
    const err = await failureOf(clientFor(2_000, echo).verifyKey(KEY));
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain('OTHERSECRET123');
    expect(err.message).not.toMatch(/Bearer (?!\*\*\*)/);
    expect(err.message.length).toBeLessThan(450);
  });

  it('sends bodies the spec accepts and reads endpoints back', async () => {
    const client = clientFor();
    const template = await client.createTemplate(KEY, {
      name: 'visgate-abc',
      image: 'visgate/worker:1',
      diskGb: 20,
      env: { VISGATE_MODEL_ID: 'stabilityai/sd-turbo' },
    });
    const endpoint = await client.createEndpoint(KEY, {
      name: 'visgate-abc',
      templateId: template.id,
      pools: ['ADA_24', 'AMPERE_24'],
      workersMin: 0,
      workersMax: 1,
      idleTimeoutS: 120,
      flashboot: false,
      dataCenterIds: ['EU-RO-1'],
      executionTimeoutMs: 600_000,
      minCudaVersion: '12.8',
    });
    expect(endpoint.minCudaVersion).toBe('12.8');
    expect(sim.account(KEY).endpoints[0]).toMatchObject({
      gpu: { pools: ['ADA_24', 'AMPERE_24'], minCudaVersion: '12.8' },
      flashboot: 'OFF',
      dataCenterIds: ['EU-RO-1'],
      timeout: 600_000,
      scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
      workers: { min: 0, max: 1, idleTimeout: 120 },
    });
    const updated = await client.updateEndpoint(KEY, endpoint.id, {
      pools: ['AMPERE_48'],
      idleTimeoutS: 5,
    });
    expect(updated).toMatchObject({ pools: ['AMPERE_48'], workersMin: 0, workersMax: 1 });
    expect(sim.account(KEY).endpoints[0]!.workers.idleTimeout).toBe(5);
    expect(await client.getEndpoint(KEY, endpoint.id)).toEqual(updated);
  });

  describe('cached models (GraphQL saveEndpoint)', () => {
    const REF = `https://huggingface.co/stabilityai/sd-turbo:${'b'.repeat(40)}`;

    async function anEndpoint(client: ReturnType<typeof clientFor>) {
      const template = await client.createTemplate(KEY, {
        name: 'visgate-mc',
        image: 'visgate/worker:1',
        diskGb: 20,
        env: {},
      });
      const spec = {
        name: 'visgate-mc',
        templateId: template.id,
        pools: ['AMPERE_16', 'ADA_24'],
        workersMin: 0,
        workersMax: 2,
        idleTimeoutS: 60,
        flashboot: true,
        dataCenterIds: null,
        executionTimeoutMs: 600_000,
        minCudaVersion: '12.8',
      };
      const endpoint = await client.createEndpoint(KEY, spec);
      return { spec, endpoint };
    }

    /** What RunPod holds for the endpoint, read the way runpodctl's `model-status` reads it. */
    async function storedReferences(id: string): Promise<unknown> {
      const res = await fetch(`${sim.url}/graphql?api_key=${KEY}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query Refs($id: String!) { myself { endpoint(id: $id) { modelReferences } } }',
          variables: { id },
        }),
      });
      return ((await res.json()) as { data: { myself: { endpoint: unknown } } }).data.myself
        .endpoint;
    }

    it('sets the model reference on the endpoint and answers what RunPod stored', async () => {
      const client = clientFor();
      const { spec, endpoint } = await anEndpoint(client);
      const stored = await client.setModelReferences(KEY, { ...spec, id: endpoint.id }, [REF]);
      expect(stored).toEqual([REF]);
      expect(await storedReferences(endpoint.id)).toEqual({ modelReferences: [REF] });
      // The key reached RunPod's GraphQL surface as the account's own.
      const call = sim.responses.find((r) => r.path === '/graphql');
      expect(call).toMatchObject({ status: 200, plane: 'management', account: KEY });
      // The rest of the configuration survives the update.
      expect(sim.account(KEY).endpoints[0]).toMatchObject({
        gpu: { pools: ['AMPERE_16', 'ADA_24'] },
        workers: { min: 0, max: 2, idleTimeout: 60 },
        flashboot: 'FLASHBOOT',
      });
    });

    it('sends the key in the Authorization header, never in the GraphQL URL', async () => {
      const seen: { url: string; auth: string | null }[] = [];
      const spy = ((input: string | URL, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        seen.push({ url: input.toString(), auth: headers.get('authorization') });
        return fetch(input, init);
      }) as typeof fetch;
      const client = clientFor(2_000, spy);
      const { spec, endpoint } = await anEndpoint(client);
      await client.setModelReferences(KEY, { ...spec, id: endpoint.id }, [REF]);
      expect(await client.getModelReferences(KEY, endpoint.id)).toEqual([REF]);
      const graphql = seen.filter((c) => c.url.includes('/graphql'));
      expect(graphql).toHaveLength(2);
      for (const c of graphql) {
        expect(c.url).not.toContain(KEY);
        expect(c.url).not.toContain('api_key');
        expect(c.auth).toBe(`Bearer ${KEY}`);
      }
    });

    it('sends the whole configuration with the references, as runpodctl does (a full replace)', async () => {
      const client = clientFor();
      const { spec, endpoint } = await anEndpoint(client);
      await client.setModelReferences(
        KEY,
        {
          ...spec,
          id: endpoint.id,
          workersMin: 1,
          dataCenterIds: ['EU-RO-1'],
          executionTimeoutMs: 900_000,
        },
        [REF],
      );
      expect(sim.account(KEY).endpoints[0]).toMatchObject({
        workers: { min: 1, max: 2, idleTimeout: 60 },
        dataCenterIds: ['EU-RO-1'],
        timeout: 900_000,
        flashboot: 'FLASHBOOT',
        // The CUDA floor set at creation is sent again, or the full replace would drop it.
        gpu: { pools: ['AMPERE_16', 'ADA_24'], minCudaVersion: '12.8' },
        modelReferences: [REF],
      });
    });

    it('maps a GraphQL error to a non-retryable VALIDATION_FAILED that quotes RunPod', async () => {
      sim.set({ modelReferenceError: 'model references are not enabled for this account' });
      const client = clientFor();
      const { spec, endpoint } = await anEndpoint(client);
      const err = await failureOf(
        client.setModelReferences(KEY, { ...spec, id: endpoint.id }, [REF]),
      );
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
      expect(err.message).toContain('not enabled for this account');
    });

    it('maps an unknown endpoint and a malformed reference to GraphQL errors', async () => {
      const client = clientFor();
      const { spec, endpoint } = await anEndpoint(client);
      const gone = await failureOf(
        client.setModelReferences(KEY, { ...spec, id: 'doesnotexist00' }, [REF]),
      );
      expect(gone.message).toContain('Endpoint not found');
      const bad = await failureOf(
        client.setModelReferences(KEY, { ...spec, id: endpoint.id }, ['stabilityai/sd-turbo']),
      );
      expect(bad.message).toContain('Invalid model reference');
    });

    it('maps a rejected key to RUNPOD_AUTH without quoting it', async () => {
      const client = clientFor();
      const { spec, endpoint } = await anEndpoint(client);
      const other = `rpa_TEST${randomBytes(8).toString('hex')}`;
      const err = await failureOf(
        client.setModelReferences(other, { ...spec, id: endpoint.id }, [REF]),
      );
      expect(err).toMatchObject({ code: 'RUNPOD_AUTH', retryable: false });
      expect(err.message).not.toContain(other);
    });
  });

  it('reads a RUNNING job as IN_PROGRESS', async () => {
    const running = (() =>
      Promise.resolve(
        Response.json({ id: 'job-1', status: 'RUNNING', delayTime: 5 }),
      )) as typeof fetch;
    const status = await clientFor(2_000, running).jobStatus(KEY, 'ep', 'job-1');
    expect(status).toEqual({ id: 'job-1', status: 'IN_PROGRESS', delayTime: 5 });
  });

  it('tolerates and logs enum values RunPod adds later instead of failing the whole read', async () => {
    const warnings: Record<string, unknown>[] = [];
    const log = {
      warn: (_msg: string, fields?: Record<string, unknown>) => warnings.push(fields ?? {}),
    };
    const answers: Record<string, unknown> = {
      '/workers': {
        workers: [
          { id: 'w1', status: 'IDLE', gpuCount: 1, isStale: false },
          { id: 'w2', status: 'OUTDATED', gpuCount: 1, isStale: true },
        ],
        summary: {},
      },
      '/status/': { id: 'job-1', status: 'PAUSED_FOR_MAINTENANCE' },
      '/catalog/': {
        gpus: [{ id: 'g', name: 'G', pool: 'ADA_24', memory: 24, availability: 'VERY_HIGH' }],
      },
    };
    const fake = ((input: string | URL) => {
      const url = input.toString();
      const key = Object.keys(answers).find((k) => url.includes(k))!;
      return Promise.resolve(Response.json(answers[key]));
    }) as typeof fetch;
    const client = createRunPodClient({
      apiBaseUrl: sim.url,
      endpointBaseUrl: sim.url,
      timeoutMs: 2_000,
      fetch: fake,
      log,
    });
    const workers = await client.listWorkers(KEY, 'ep');
    expect(workers.map((w) => w.status)).toEqual(['IDLE', 'UNKNOWN']);
    expect((await client.jobStatus(KEY, 'ep', 'job-1')).status).toBe('IN_PROGRESS');
    expect((await client.listGpuTypes(KEY))[0]!.availability).toBeNull();
    await client.listWorkers(KEY, 'ep'); // the same value again is not logged twice
    expect(warnings).toEqual([
      { field: 'worker.status', value: 'OUTDATED' },
      { field: 'job.status', value: 'PAUSED_FOR_MAINTENANCE' },
      { field: 'gpu.availability', value: 'VERY_HIGH' },
    ]);
  });

  it('rejects an answer it cannot read as a non-retryable upstream fault', async () => {
    const odd = (() => Promise.resolve(Response.json({ nope: true }))) as typeof fetch;
    const err = await failureOf(clientFor(2_000, odd).listEndpoints(KEY));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['the given secret', 'key=s3cr3t-value here', ['s3cr3t-value'], 'key=*** here'],
    ['a RunPod key shape', 'rpa_ABC123_def', [], 'rpa_***'],
    ['a bearer credential', 'Authorization: Bearer abc.def', [], 'Authorization: Bearer ***'],
  ])('removes %s', (_what, text, secrets, expected) => {
    expect(scrubSecrets(text, secrets)).toBe(expected);
  });

  it('caps quoted text at 300 characters', () => {
    expect(scrubSecrets('y'.repeat(1_000), []).length).toBe(301);
  });
});
