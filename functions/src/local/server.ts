import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../edge/app';
import type { EmbeddedSystem } from '../wiring/embedded';

/** Serves the API of an embedded system on host:port (0 = any free port). */
export async function listen(
  system: EmbeddedSystem,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> {
  const app = createApp(system.deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => {
      if (err) reject(err);
      else resolve(s);
    });
  });
  const addr = server.address() as AddressInfo;
  return { server, url: `http://${host}:${addr.port}` };
}
