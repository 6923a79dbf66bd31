import path from 'node:path';
import { startGcloudEmulator, type GcloudEmulator } from './gcloud-emulator';

/** The security rules infra/deploy.sh deploys; the emulator evaluates them for client requests. */
export const FIRESTORE_RULES = path.resolve(__dirname, '../../../firestore.rules');

/**
 * Google's Firestore emulator (`gcloud emulators firestore start`, Firestore native mode, Java) on a
 * free loopback port with firestore.rules loaded. Server libraries (the functions) bypass rules as
 * admin; web clients are held to them. State is per project id: each test takes a fresh one.
 */
export function startFirestoreEmulator(): Promise<GcloudEmulator> {
  return startGcloudEmulator({
    label: 'Firestore emulator',
    args: ['emulators', 'firestore', 'start'],
    extraArgs: [`--rules=${FIRESTORE_RULES}`],
    ready: /Dev App Server is now running/,
  });
}
