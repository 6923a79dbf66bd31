import { startGcloudEmulator, type GcloudEmulator } from './gcloud-emulator';

/**
 * Google's Pub/Sub emulator (`gcloud beta emulators pubsub start`, Java) on a free loopback port:
 * topics, pull, and push subscriptions that POST the raw push body to an endpoint.
 */
export function startPubSubEmulator(): Promise<GcloudEmulator> {
  return startGcloudEmulator({
    label: 'Pub/Sub emulator',
    args: ['beta', 'emulators', 'pubsub', 'start'],
    ready: /Server started, listening on/,
  });
}
