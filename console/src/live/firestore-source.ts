import { deleteApp, initializeApp } from 'firebase/app';
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot } from 'firebase/firestore';
import type { ConsoleConfig, PublicDeployment } from '@visgate/shared';
import type { LiveSource } from './live-source';

/**
 * Live status from Firestore: `onSnapshot` on `deployment_status/{id}`, the public projection the
 * functions write in the same transaction as the deployment (firestore.rules allows `get` only; the
 * id is the capability). No RunPod key is involved. Loaded only in Google Cloud deploys.
 */
export function createFirestoreSource(
  firebase: NonNullable<ConsoleConfig['firebase']>,
): LiveSource & { close(): Promise<void> } {
  const app = initializeApp(
    { apiKey: firebase.apiKey, appId: firebase.appId, projectId: firebase.projectId },
    `visgate-console-${firebase.projectId}`,
  );
  const db = getFirestore(app, firebase.databaseId);
  if (firebase.emulatorHost) {
    const [host = '', port = ''] = firebase.emulatorHost.split(':');
    connectFirestoreEmulator(db, host, Number(port));
  }
  return {
    kind: 'firestore',
    close: () => deleteApp(app),
    watch(id, onDoc, onError) {
      return onSnapshot(
        doc(db, 'deployment_status', id),
        (snap) => {
          const d = snap.data() as PublicDeployment | undefined;
          if (d) onDoc(d);
        },
        (e) => {
          onError(e.message);
        },
      );
    },
  };
}
