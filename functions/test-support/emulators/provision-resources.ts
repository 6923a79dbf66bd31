import { QUEUES, TOPICS } from '../../src/ports';
import type { GcpClients } from '../../src/wiring/gcp';
import { GRPC, hasGrpcCode } from '../../src/adapters/gcp/grpc-errors';

/**
 * What infra/deploy.sh creates in a real project, on the emulators: every topic and every queue
 * (with a fast retry config, so retries take milliseconds in tests).
 */
export async function provisionEmulatorResources(
  clients: GcpClients,
  location: string,
): Promise<void> {
  const ignoreExists = (e: unknown) => {
    if (!hasGrpcCode(e, GRPC.ALREADY_EXISTS)) throw e;
  };
  await Promise.all([
    ...TOPICS.map((t) => clients.pubsub.createTopic(t).catch(ignoreExists)),
    ...QUEUES.map((q) =>
      clients.tasks
        .createQueue({
          parent: clients.tasks.locationPath(clients.projectId, location),
          queue: {
            name: clients.tasks.queuePath(clients.projectId, location, q),
            retryConfig: {
              maxAttempts: 50,
              minBackoff: { nanos: 20_000_000 },
              maxBackoff: { nanos: 200_000_000 },
            },
          },
        })
        .catch(ignoreExists),
    ),
  ]);
}
