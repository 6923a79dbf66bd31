import { deploymentStoreContract } from '../../../test-support/contracts/deployment-store.contract';
import { createEmbeddedDocumentStore } from './document-store';

deploymentStoreContract('embedded', () => createEmbeddedDocumentStore());

describe('embedded document store', () => {
  it('rejects a cursor it did not issue with VALIDATION_FAILED', async () => {
    const store = createEmbeddedDocumentStore();
    await expect(
      store.list({ ownerHash: 'me', limit: 5, cursor: 'not-a-cursor' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
