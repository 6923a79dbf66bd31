import { IDEMPOTENCY } from '../../src/adapters/gcp/firestore-idempotency-store';
import { buildGcpDeps, createGcpClients } from '../../src/wiring/gcp';
import { emulatorConfig } from '../../test-support/emulators/gcp-test-config';

jest.setTimeout(30_000);

describe('idempotency records in Firestore (production wiring, emulator)', () => {
  it('keeps the webhook secret out of record_json and still returns it on read', async () => {
    const config = emulatorConfig();
    const clients = createGcpClients(config);
    const system = buildGcpDeps(config, { clients });
    try {
      const secret = `whsec_PLANTED${Date.now()}`;
      const record = {
        requestHash: 'h',
        status: 202,
        body: { deployment_id: 'dpl_x', webhook_secret: secret },
        createdAt: new Date().toISOString(),
      };
      await system.deps.idempotency.put('owner:key-1', record, 60_000);
      const snap = await clients.firestore.collection(IDEMPOTENCY).get();
      const atRest = JSON.stringify(snap.docs.map((d) => d.data()));
      expect(snap.size).toBe(1);
      expect(atRest).not.toContain(secret);
      expect(atRest).not.toContain('webhook_secret');
      expect(await system.deps.idempotency.get('owner:key-1')).toEqual(record);
    } finally {
      await system.close();
    }
  });
});
