import type { Clock, IdempotencyRecord, IdempotencyStore } from '../../src/ports';

const aRecord = (over: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  requestHash: 'h1',
  status: 0,
  body: null,
  createdAt: '2026-11-27T12:00:00.000Z',
  ...over,
});

/** The IdempotencyStore contract; `make` gets a clock the suite moves forward. */
export function idempotencyStoreContract(
  name: string,
  make: (clock: Clock) => Promise<IdempotencyStore> | IdempotencyStore,
): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let nowMs: number;
    let store: IdempotencyStore;
    beforeEach(async () => {
      nowMs = Date.UTC(2026, 10, 27, 12);
      store = await make({ now: () => new Date(nowMs) });
    });

    it('stores the first record for a key and returns it to every later claim', async () => {
      expect(await store.putIfAbsent('me:k1', aRecord(), 60_000)).toBeNull();
      expect(await store.putIfAbsent('me:k1', aRecord({ requestHash: 'h2' }), 60_000)).toEqual(
        aRecord(),
      );
      expect(await store.get('me:k1')).toEqual(aRecord());
    });

    it('lets exactly one of many concurrent claims for a key win', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.putIfAbsent('me:race', aRecord({ requestHash: `h${i}` }), 60_000),
        ),
      );
      expect(results.filter((r) => r === null)).toHaveLength(1);
    });

    it('treats an expired record as absent', async () => {
      await store.putIfAbsent('me:k2', aRecord(), 1_000);
      nowMs += 1_001;
      expect(await store.get('me:k2')).toBeNull();
      expect(await store.putIfAbsent('me:k2', aRecord({ requestHash: 'h3' }), 1_000)).toBeNull();
      expect((await store.get('me:k2'))?.requestHash).toBe('h3');
    });

    it('overwrites with put, keeps any JSON body, and forgets on delete', async () => {
      const body = { deployment_id: 'dpl_x', nested: [[1, 2], [3]], links: { self: '/v1/x' } };
      await store.putIfAbsent('me:k3', aRecord(), 60_000);
      await store.put('me:k3', aRecord({ status: 202, body }), 60_000);
      expect(await store.get('me:k3')).toEqual(aRecord({ status: 202, body }));
      await store.delete('me:k3');
      expect(await store.get('me:k3')).toBeNull();
    });

    it('keeps keys apart, including keys with characters a document id cannot hold', async () => {
      await store.putIfAbsent('me:a/b', aRecord({ requestHash: 'slash' }), 60_000);
      await store.putIfAbsent('me:a_b', aRecord({ requestHash: 'underscore' }), 60_000);
      expect((await store.get('me:a/b'))?.requestHash).toBe('slash');
      expect((await store.get('me:a_b'))?.requestHash).toBe('underscore');
    });
  });
}
