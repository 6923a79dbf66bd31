import request from 'supertest';
import type { PublicDeployment } from '@visgate/shared';
import { followDeployment } from '../../../cli/src/follow';
import { FUNCTIONS } from '../../src/entry/manifest';
import { loadConfig } from '../../src/config';
import { readSse, type SseFrame } from '../../src/local/sse-client';
import { startLocalSystem, type LocalSystem } from '@visgate/sim';

// Cloud Functions cuts an HTTP request at the function's timeout. The api function may run an hour
// (gen2's most) and its SSE streams end before that on their own: a `reconnect` event and a clean
// close, after which the client resumes with Last-Event-ID and misses nothing.

jest.setTimeout(60_000);

describe('SSE streams that outlive one response', () => {
  it("end on their own before the api function's timeout would cut them", () => {
    const api = FUNCTIONS.find((f) => f.name === 'api')!;
    expect(api.timeoutS).toBe(3600); // the longest an HTTP function may run
    expect(loadConfig({}).SSE_MAX_STREAM_S).toBeLessThan(api.timeoutS);
  });

  let sys: LocalSystem;
  beforeAll(async () => {
    // A 0.2 s stream cap, so one deployment spans several responses.
    sys = await startLocalSystem({ env: { SSE_MAX_STREAM_S: '0.2', LOAD_TIMEOUT_S: '20' } });
  });
  afterAll(async () => {
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

  async function read(id: string, lastEventId?: string): Promise<SseFrame[]> {
    const frames: SseFrame[] = [];
    const headers: Record<string, string> = { Authorization: `Bearer ${sys.apiKey}` };
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    for await (const f of readSse(`${sys.url}/v1/deployments/${id}/events`, headers))
      frames.push(f);
    return frames;
  }

  it('closes a stream with a reconnect event; resuming with Last-Event-ID gives only newer versions, up to ready', async () => {
    const id = await deploy();
    const versions: number[] = [];
    let lastId: string | undefined;
    let reconnects = 0;
    for (let i = 0; i < 200; i += 1) {
      const frames = await read(id, lastId);
      for (const f of frames.filter((x) => x.event === 'status')) {
        versions.push(Number(f.id));
        lastId = f.id ?? lastId;
      }
      const last = frames.at(-1);
      if (last?.event === 'reconnect') {
        reconnects += 1;
        continue;
      }
      // A stream that did not ask to reconnect ended because the deployment settled.
      const settled = frames.filter((x) => x.event === 'status').at(-1);
      expect((JSON.parse(settled!.data) as PublicDeployment).status).toBe('ready');
      break;
    }
    expect(reconnects).toBeGreaterThan(0);
    // Strictly increasing across every response: nothing repeated after a resume.
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });

  it('visgate follows a deployment over several streams without falling back to polling', async () => {
    const id = await deploy();
    const out: string[] = [];
    const client = {
      baseUrl: sys.url,
      headers: () => ({ Authorization: `Bearer ${sys.apiKey}` }),
      request: () => Promise.reject(new Error('polled: the SSE stream was given up')),
    };
    const d = await followDeployment(
      client,
      id,
      ['ready', 'failed'],
      (doc) => out.push(doc.status),
      { pollMs: 10, sse: true, offlineGraceMs: 5000 },
    );
    expect(d.status).toBe('ready');
    expect(out.at(-1)).toBe('ready');
  });
});
