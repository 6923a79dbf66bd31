import { startCloudTasksEmulator } from './cloud-tasks-emulator';
import { startFirestoreEmulator } from './firestore-emulator';
import { startPubSubEmulator } from './pubsub-emulator';

/**
 * Jest globalSetup of the `gcp` project: starts Google's Firestore and Pub/Sub emulators through
 * gcloud (each once per run, on a free loopback port) and our Cloud Tasks facade in the jest parent
 * process, and exports their addresses as the env variables config.ts reads; jest's workers
 * inherit them. Failing to start any of them fails the run: the GCP tests are never skipped.
 * global-teardown.ts stops them; if jest exits without it, an exit hook (and, if jest is killed,
 * each emulator's watchdog) stops the Java processes.
 */
export default async function globalSetup(): Promise<void> {
  const started = await Promise.allSettled([
    startFirestoreEmulator(),
    startCloudTasksEmulator(),
    startPubSubEmulator(),
  ] as const);
  const [f, t, p] = started;
  if (f.status === 'rejected' || t.status === 'rejected' || p.status === 'rejected') {
    // Stop whatever did start, or a live emulator would outlive the run.
    await Promise.all([
      f.status === 'fulfilled' ? f.value.close() : undefined,
      t.status === 'fulfilled' ? t.value.close() : undefined,
      p.status === 'fulfilled' ? p.value.close() : undefined,
    ]);
    const reasons = started.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    throw new Error(`emulators failed to start:\n${reasons.join('\n')}`);
  }
  const [firestore, tasks, pubsub] = [f.value, t.value, p.value];
  /* eslint-disable no-restricted-properties -- the one place tests publish emulator addresses */
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  process.env.CLOUD_TASKS_EMULATOR_HOST = tasks.host;
  process.env.METADATA_SERVER_DETECTION = 'none';
  /* eslint-enable no-restricted-properties */
  const stopJava = (): void => {
    // Synchronous last resort at process exit: signals only (close() is async).
    firestore.kill();
    pubsub.kill();
  };
  process.once('exit', stopJava);
  (globalThis as { __visgateEmulators?: unknown }).__visgateEmulators = async () => {
    process.removeListener('exit', stopJava);
    await Promise.all([firestore.close(), pubsub.close(), tasks.close()]);
  };
}
