import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config';
import type { Deps } from '../src/deps';
import type { DeploymentSecrets, TaskSpec, Topic } from '../src/ports';
import { createSecretBox } from '../src/adapters/crypto/secret-box';
import { createEmbeddedDocumentStore } from '../src/adapters/embedded/document-store';
import { createEmbeddedSecretStore } from '../src/adapters/embedded/secret-store';
import { createMemoryLogger } from '../src/adapters/log/json-logger';

/**
 * The ports a step uses besides RunPod, in memory, for unit tests of effect pieces: the embedded
 * store and secret store (real Firestore semantics), a bus and a task queue that only record what
 * was sent (so a test sees the effect without running the next step), a clock stopped at `now`,
 * default configuration, and a logger that keeps its lines.
 */
export function createMemoryPorts(now: Date) {
  const published: [Topic, string][] = [];
  const enqueued: TaskSpec[] = [];
  const ports = {
    config: loadConfig({}),
    store: createEmbeddedDocumentStore(),
    secrets: createEmbeddedSecretStore(createSecretBox(randomBytes(32))),
    bus: {
      publish: (topic, msg) => {
        published.push([topic, msg.deployment_id]);
        return Promise.resolve();
      },
    } satisfies Deps['bus'],
    tasks: {
      enqueue: (task) => {
        enqueued.push(task);
        return Promise.resolve();
      },
    } satisfies Deps['tasks'],
    clock: { now: () => now },
    log: createMemoryLogger(),
  };
  return { ...ports, published, enqueued };
}

/** Secrets holding only a RunPod key: all the reaper reads. */
export function heldSecrets(runpodApiKey: string): DeploymentSecrets {
  return {
    runpodApiKey,
    hfToken: null,
    webhookUrl: null,
    webhookSecret: null,
    eventsToken: null,
    cache: null,
  };
}
