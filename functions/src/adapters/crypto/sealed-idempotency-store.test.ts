import { idempotencyStoreContract } from '../../../test-support/contracts/idempotency-store.contract';
import { createEmbeddedIdempotencyStore } from '../embedded/idempotency-store';
import { createSecretBox } from './secret-box';
import { sealIdempotencyStore } from './sealed-idempotency-store';

const box = createSecretBox(Buffer.alloc(32, 9));
const clock = { now: () => new Date(Date.UTC(2026, 10, 30, 12)) };

// Sealing changes nothing a caller can see: the whole store contract holds through it.
idempotencyStoreContract('sealed over embedded', (c) =>
  sealIdempotencyStore(createEmbeddedIdempotencyStore(c), box),
);

describe('sealed idempotency records', () => {
  const body = { deployment_id: 'dep_x', webhook_secret: 'whsec_TOPSECRETvalue123' };
  const record = { requestHash: 'h', status: 202, body, createdAt: '2026-11-30T12:00:00.000Z' };

  it('keeps the body only sealed at rest, and returns it whole', async () => {
    const raw = createEmbeddedIdempotencyStore(clock);
    const sealed = sealIdempotencyStore(raw, box);
    await sealed.put('owner:k', record, 60_000);
    const atRest = JSON.stringify(await raw.get('owner:k'));
    expect(atRest).not.toContain('whsec_TOPSECRETvalue123');
    expect(atRest).not.toContain('webhook_secret');
    expect(atRest).toMatch(/"sealed":"v1\./);
    expect(await sealed.get('owner:k')).toEqual(record);
    expect(await sealed.putIfAbsent('owner:k', { ...record, body: null }, 60_000)).toEqual(record);
  });

  it('does not open a sealed body copied onto another key', async () => {
    const raw = createEmbeddedIdempotencyStore(clock);
    const sealed = sealIdempotencyStore(raw, box);
    await sealed.put('owner:a', record, 60_000);
    await raw.put('owner:b', (await raw.get('owner:a'))!, 60_000);
    await expect(sealed.get('owner:b')).rejects.toThrow();
  });
});
