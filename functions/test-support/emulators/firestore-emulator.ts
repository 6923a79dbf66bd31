import { FirestoreServer } from '@firestore-emulator/server';
import type { Server, ServerCredentials } from '@grpc/grpc-js';
import { addOptimisticConcurrency } from './firestore-transactions';

/**
 * The emulator pins its own @grpc/grpc-js; its server accepts only that copy's credentials objects.
 */
function emulatorGrpc(): { ServerCredentials: typeof ServerCredentials } {
  const from = require.resolve('@firestore-emulator/server');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second copy, resolved from the emulator's folder
  return require(require.resolve('@grpc/grpc-js', { paths: [from] })) as {
    ServerCredentials: typeof ServerCredentials;
  };
}

export interface FirestoreEmulator {
  host: string;
  close(): void;
}

type ListenCall = { once(event: 'end', fn: () => void): void; end(): void };

/**
 * Deviation fix: the emulator's Listen never finishes a stream the client half-closed (what the SDK
 * does when a listener unsubscribes), so the stream lived until shutdown and then failed in the
 * client. Real Firestore finishes it; so do we, by wrapping the registered handler (grpc-js keeps
 * handlers in a private map).
 */
function finishListenStreamsOnHalfClose(server: Server): void {
  const handlers = (
    server as unknown as { handlers: Map<string, { func: (c: ListenCall) => void }> }
  ).handlers;
  const listen = handlers.get('/google.firestore.v1.Firestore/Listen');
  if (!listen) throw new Error('Firestore emulator: no Listen handler to wrap');
  const original = listen.func;
  listen.func = (call) => {
    call.once('end', () => {
      call.end();
    });
    original(call);
  };
}

/**
 * @firestore-emulator/server in this process, bound to loopback (its own start() binds 0.0.0.0, so
 * we bind its grpc server ourselves). State is per project id: each test uses a fresh project id
 * instead of clearing shared state. Its known gaps are in ../../../README.md ("Testing on GCP").
 */
export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const fs = new FirestoreServer();
  const server = (fs as unknown as { server: Server }).server;
  finishListenStreamsOnHalfClose(server);
  addOptimisticConcurrency(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', emulatorGrpc().ServerCredentials.createInsecure(), (e, p) => {
      if (e) reject(e);
      else resolve(p);
    });
  });
  return {
    host: `127.0.0.1:${port}`,
    close: () => {
      fs.stop();
    },
  };
}
