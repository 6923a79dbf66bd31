import { createServer, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { S3Store } from './s3-store';

// A user's cache endpoint is held to the webhook rules by S3Store itself: literally at
// construction, and through DNS at every connection (a name that passed creation and later
// resolves to an internal address). A real HTTP server on loopback stands for the internal host.

let server: Server;
let port: number;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const creds = (endpointUrl: string) => ({
  endpointUrl,
  accessKeyId: 'AKIAEXAMPLE',
  secretAccessKey: 'secret-example',
});

describe('S3Store with a user-given endpoint', () => {
  it('refuses a literal internal endpoint with CACHE_ENDPOINT_REJECTED before any request', () => {
    expect(
      () =>
        new S3Store('b', creds(`http://127.0.0.1:${port}`), {
          allowPrivateHosts: false,
        }),
    ).toThrow(expect.objectContaining({ code: 'CACHE_ENDPOINT_REJECTED' }));
  });

  it('refuses, at connect time, a host name that resolves to loopback, and never reaches it', async () => {
    const host = hostname();
    const addresses = await lookup(host, { all: true });
    expect(addresses.map((a) => a.address)).toContainEqual(expect.stringMatching(/^127\./));
    const before = requests;
    const guarded = new S3Store('b', creds(`http://${host}:${port}`), { allowPrivateHosts: false });
    await expect(guarded.head('k')).rejects.toMatchObject({ code: 'CACHE_ENDPOINT_REJECTED' });
    expect(requests).toBe(before);
    guarded.destroy();

    // The same endpoint where private hosts are allowed (local mode) is reached.
    const open = new S3Store('b', creds(`http://${host}:${port}`), { allowPrivateHosts: true });
    await expect(open.head('k')).resolves.toBeNull();
    expect(requests).toBeGreaterThan(before);
    open.destroy();
  });
});
