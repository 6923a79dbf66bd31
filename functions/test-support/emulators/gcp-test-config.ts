import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config';

/** A project id nobody else uses: emulator state (documents, topics, queues) is per project. */
export const freshProjectId = (): string => `demo-${randomBytes(5).toString('hex')}`;

/**
 * Config for gcp mode on the emulators global-setup.ts started (their hosts come from the env it
 * exported), with a fresh project and `env` on top. Fails when the emulators are not up.
 */
export function emulatorConfig(env: Record<string, string> = {}): Config {
  const hosts = loadConfig();
  if (
    !hosts.FIRESTORE_EMULATOR_HOST ||
    !hosts.PUBSUB_EMULATOR_HOST ||
    !hosts.CLOUD_TASKS_EMULATOR_HOST
  )
    throw new Error('emulators are not running: jest project "gcp" starts them in globalSetup');
  return loadConfig({
    MODE: 'gcp',
    GCP_PROJECT_ID: freshProjectId(),
    GCP_REGION: 'us-central1',
    OWNER_PEPPER: randomBytes(24).toString('base64'),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    FIRESTORE_EMULATOR_HOST: hosts.FIRESTORE_EMULATOR_HOST,
    PUBSUB_EMULATOR_HOST: hosts.PUBSUB_EMULATOR_HOST,
    CLOUD_TASKS_EMULATOR_HOST: hosts.CLOUD_TASKS_EMULATOR_HOST,
    FUNCTIONS_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'silent',
    ...env,
  });
}
