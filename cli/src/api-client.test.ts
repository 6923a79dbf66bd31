import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiClient } from './api-client';
import { resolveConfig } from './config';
import { CliError } from './errors';

/** A server that drops the first `drop` connections without an answer, then answers 202. */
async function flakyServer(drop: number) {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    if (seen.length <= drop) {
      req.socket.destroy();
      return;
    }
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"deployment_id":"dpl_x"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

const client = (url: string) =>
  createApiClient(
    resolveConfig({ api: url, key: 'rpa_TESTKEY000' }, { XDG_CONFIG_HOME: '/nonexistent' }),
    10,
  );

describe('createApiClient', () => {
  it('retries a request that got no answer once, with the same Idempotency-Key', async () => {
    const s = await flakyServer(1);
    try {
      const body = await client(s.url).request<{ deployment_id: string }>(
        'POST',
        '/v1/deployments',
        { hf_model_id: 'a/b' },
        { headers: { 'Idempotency-Key': 'k-1' }, retryNetworkOnce: true },
      );
      expect(body.deployment_id).toBe('dpl_x');
      expect(s.seen.map((h) => h['idempotency-key'])).toEqual(['k-1', 'k-1']);
    } finally {
      await s.close();
    }
  });

  it('retries only once, and never without being asked', async () => {
    const twice = await flakyServer(2);
    const once = await flakyServer(1);
    try {
      await expect(
        client(twice.url).request('POST', '/v1/deployments', {}, { retryNetworkOnce: true }),
      ).rejects.toMatchObject({
        network: true,
        message: expect.stringMatching(/^cannot reach the visgate API/),
      });
      expect(twice.seen).toHaveLength(2);
      await expect(client(once.url).request('POST', '/v1/jobs/x/cancel')).rejects.toBeInstanceOf(
        CliError,
      );
      expect(once.seen).toHaveLength(1);
    } finally {
      await Promise.all([twice.close(), once.close()]);
    }
  });
});
