import { busContract } from '../../../test-support/contracts/bus.contract';
import { idempotencyStoreContract } from '../../../test-support/contracts/idempotency-store.contract';
import { secretStoreContract } from '../../../test-support/contracts/secret-store.contract';
import { taskQueueContract } from '../../../test-support/contracts/task-queue.contract';
import { createSecretBox } from '../crypto/secret-box';
import { createMemoryLogger } from '../log/json-logger';
import { createEmbeddedBus } from './bus';
import { createEmbeddedIdempotencyStore } from './idempotency-store';
import { createEmbeddedSecretStore } from './secret-store';
import { createEmbeddedTaskQueue } from './task-queue';

// The same suites run against the GCP adapters on the emulators in functions/test/gcp/.

secretStoreContract('embedded', () => {
  const store = createEmbeddedSecretStore(createSecretBox(Buffer.alloc(32, 7)));
  return Promise.resolve({
    store,
    sealed: (id) => Promise.resolve(store.sealed().get(id) ?? null),
  });
});

idempotencyStoreContract('embedded', (clock) => createEmbeddedIdempotencyStore(clock));

busContract('embedded', () => {
  const bus = createEmbeddedBus({ log: createMemoryLogger(), retryMinMs: 5, retryMaxMs: 20 });
  return Promise.resolve({
    bus,
    subscribe: (topic, handler) => {
      bus.subscribe(topic, handler);
      return Promise.resolve();
    },
    close: () => {
      bus.close();
      return Promise.resolve();
    },
  });
});

taskQueueContract('embedded', () => {
  const queue = createEmbeddedTaskQueue({
    log: createMemoryLogger(),
    retryMinMs: 5,
    retryMaxMs: 20,
  });
  return Promise.resolve({
    queue,
    register: (name, handler) => {
      queue.register(name, handler);
      return Promise.resolve();
    },
    close: () => {
      queue.close();
      return Promise.resolve();
    },
  });
});
