import { startCloudTasksEmulator } from './cloud-tasks-emulator';
import { startFirestoreEmulator } from './firestore-emulator';
import { startPubSubEmulator } from './pubsub-emulator';

/**
 * Jest globalSetup of the `gcp` project: starts the Firestore emulator and our Cloud Tasks facade in
 * the jest parent process and pstest as a child (built first if needed), all on loopback, and exports
 * their addresses as the env variables config.ts reads; jest's workers inherit them. Failing to
 * start any of them fails the run: the GCP tests are never skipped.
 */
export default async function globalSetup(): Promise<void> {
  const started = await Promise.allSettled([
    startFirestoreEmulator(),
    startCloudTasksEmulator(),
    startPubSubEmulator(),
  ] as const);
  const [f, t, p] = started;
  if (f.status === 'rejected' || t.status === 'rejected' || p.status === 'rejected') {
    // Stop whatever did start, or a live child process would keep jest waiting for ever.
    if (f.status === 'fulfilled') f.value.close();
    if (t.status === 'fulfilled') await t.value.close();
    if (p.status === 'fulfilled') await p.value.close();
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
  (globalThis as { __visgateEmulators?: unknown }).__visgateEmulators = async () => {
    firestore.close();
    await Promise.all([tasks.close(), pubsub.close()]);
  };
}
