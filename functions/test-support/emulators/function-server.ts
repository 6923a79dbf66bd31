import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';

export interface FunctionServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves one registered function the way functions-framework does in production (same middleware:
 * CloudEvent decoding, 204 on success, 500 on a throw), on a free loopback port.
 */
export async function serveFunction(name: string): Promise<FunctionServer> {
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
