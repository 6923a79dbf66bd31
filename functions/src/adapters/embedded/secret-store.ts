import type { SecretBox } from '../crypto/secret-box';
import { memoryTable, type Table } from './table';
import type { DeploymentSecrets, SecretStore } from '../../ports';

/** `deployment_secrets` in memory, holding only sealed blobs, exactly as the Firestore adapter does. */
export function createEmbeddedSecretStore(
  box: SecretBox,
  blobs: Table<string> = memoryTable(),
): SecretStore & { sealed(): Map<string, string> } {
  const open = (id: string): DeploymentSecrets | null => {
    const blob = blobs.get(id);
    return blob === undefined ? null : (JSON.parse(box.open(blob, id)) as DeploymentSecrets);
  };
  return {
    sealed: () => new Map(blobs.entries()),
    put(id, secrets) {
      blobs.set(id, box.seal(JSON.stringify(secrets), id));
      return Promise.resolve();
    },
    get(id) {
      return Promise.resolve(open(id));
    },
    patch(id, fields) {
      const current = open(id);
      if (current) blobs.set(id, box.seal(JSON.stringify({ ...current, ...fields }), id));
      return Promise.resolve();
    },
    delete(id) {
      blobs.delete(id);
      return Promise.resolve();
    },
  };
}
