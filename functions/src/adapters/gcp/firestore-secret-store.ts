import type { Firestore } from '@google-cloud/firestore';
import type { SecretBox } from '../crypto/secret-box';
import type { DeploymentSecrets, SecretStore } from '../../ports';

export const DEPLOYMENT_SECRETS = 'deployment_secrets';

/**
 * `deployment_secrets/{id}` in Firestore: one AES-256-GCM blob per deployment, bound to its id, so
 * a document copied to another id or read without the key is useless. Rules deny all client access.
 */
export function createFirestoreSecretStore(db: Firestore, box: SecretBox): SecretStore {
  const ref = (id: string) => db.collection(DEPLOYMENT_SECRETS).doc(id);
  const open = (id: string, data: unknown): DeploymentSecrets =>
    JSON.parse(box.open((data as { sealed: string }).sealed, id)) as DeploymentSecrets;
  return {
    async put(id, secrets) {
      await ref(id).set({ sealed: box.seal(JSON.stringify(secrets), id) });
    },
    async get(id) {
      const snap = await ref(id).get();
      return snap.exists ? open(id, snap.data()) : null;
    },
    async patch(id, fields) {
      await db.runTransaction(async (tx) => {
        const snap = await tx.get(ref(id));
        if (!snap.exists) return;
        const next = { ...open(id, snap.data()), ...fields };
        tx.set(ref(id), { sealed: box.seal(JSON.stringify(next), id) });
      });
    },
    async delete(id) {
      await ref(id).delete();
    },
  };
}
