import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../edge/app';
import type { EmbeddedSystem } from '../wiring/embedded';

export interface BoundServer {
  server: Server;
  url: string;
  /** Starts answering with the API of `system` (requests before this get a 503). */
  serve(system: EmbeddedSystem): void;
}

/**
 * Binds host:port (0 = any free port) before the system exists, so config can be built once
 * with the URL it will be served on (PUBLIC_BASE_URL) instead of being patched afterwards.
 */
export async function bindServer(host: string, port: number): Promise<BoundServer> {
  let app: ReturnType<typeof createApp> | null = null;
  const server = createServer((req, res) => {
    if (app) {
      app(req, res);
      return;
    }
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${addr.port}`,
    serve(system) {
      app = createApp(system.deps);
    },
  };
}

/** Serves the API of an embedded system on host:port (0 = any free port). */
export async function listen(
  system: EmbeddedSystem,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> {
  const bound = await bindServer(host, port);
  bound.serve(system);
  return { server: bound.server, url: bound.url };
}
