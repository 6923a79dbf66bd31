import type { DeploymentSecrets, SecretStore } from '../../src/ports';

export const someSecrets = (over: Partial<DeploymentSecrets> = {}): DeploymentSecrets => ({
  runpodApiKey: 'rpa_CONTRACT_KEY',
  hfToken: null,
  webhookUrl: 'https://example.com/hook',
  webhookSecret: 'whsec_contract',
  eventsToken: 'evt_contract',
  cache: null,
  ...over,
});

/**
 * The SecretStore contract. `sealed(id)` returns what the backing store holds for the id (or null),
 * so the suite can check that no secret is stored in the clear.
 */
export function secretStoreContract(
  name: string,
  make: () => Promise<{ store: SecretStore; sealed: (id: string) => Promise<string | null> }>,
): void {
  describe(`SecretStore contract: ${name}`, () => {
    it('returns what was put and null for an unknown id', async () => {
      const { store } = await make();
      await store.put('dpl_s1', someSecrets());
      expect(await store.get('dpl_s1')).toEqual(someSecrets());
      expect(await store.get('dpl_unknown')).toBeNull();
    });

    it('stores only a sealed blob that mentions no secret', async () => {
      const { store, sealed } = await make();
      await store.put('dpl_s2', someSecrets());
      const blob = (await sealed('dpl_s2'))!;
      expect(blob).toMatch(/^v1\./);
      for (const secret of ['rpa_CONTRACT_KEY', 'whsec_contract', 'evt_contract', 'example.com'])
        expect(blob).not.toContain(secret);
    });

    it('merges a patch into the stored secrets and ignores a patch for an unknown id', async () => {
      const { store } = await make();
      await store.put('dpl_s3', someSecrets());
      await store.patch('dpl_s3', { hfToken: 'hf_new', webhookUrl: null });
      expect(await store.get('dpl_s3')).toEqual(
        someSecrets({ hfToken: 'hf_new', webhookUrl: null }),
      );
      await store.patch('dpl_unknown', { hfToken: 'x' });
      expect(await store.get('dpl_unknown')).toBeNull();
    });

    it('forgets the secrets on delete', async () => {
      const { store, sealed } = await make();
      await store.put('dpl_s4', someSecrets());
      await store.delete('dpl_s4');
      expect(await store.get('dpl_s4')).toBeNull();
      expect(await sealed('dpl_s4')).toBeNull();
    });
  });
}
