import { setLogFunction } from '@google-cloud/firestore';
import { publicDeployment, transition, type Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import {
  createFirestoreDeploymentStore,
  DEPLOYMENT_STATUS,
} from '../../src/adapters/gcp/firestore-deployment-store';
import { createGcpClients, type GcpClients } from '../../src/wiring/gcp';
import { emulatorConfig } from '../../test-support/emulators/gcp-test-config';

// What the guarded write (firestore-guarded-mutate.ts) adds to the store contract, on Google's
// emulator: two stores stand for two function instances sharing one database, each remembering
// what it read itself.

jest.setTimeout(30_000);

let clients: GcpClients;
beforeEach(() => {
  clients = createGcpClients(emulatorConfig());
});
afterEach(async () => {
  setLogFunction(null);
  await clients.close();
});

const twoInstances = () => [
  createFirestoreDeploymentStore(clients.firestore),
  createFirestoreDeploymentStore(clients.firestore),
];
const bump = (d: Deployment): Deployment => ({
  ...d,
  runtime: { ...d.runtime, poll_attempt: d.runtime.poll_attempt + 1 },
});

describe('Firestore deployment store: mutate after a read elsewhere (emulator)', () => {
  it('never overwrites a change another instance made after this one read', async () => {
    const [a, b] = twoInstances();
    const doc = aDeployment({ deployment_id: 'dpl_guarded00000000000000000a' });
    await a!.create(doc);
    await a!.get(doc.deployment_id); // a remembers version 0
    await b!.mutate(doc.deployment_id, bump);
    const written = await a!.mutate(doc.deployment_id, bump);
    expect(written).toMatchObject({ version: 2, runtime: { poll_attempt: 2 } });
    expect(await b!.get(doc.deployment_id)).toEqual(written);
    const status = await clients.firestore
      .collection(DEPLOYMENT_STATUS)
      .doc(doc.deployment_id)
      .get();
    expect(status.data()).toEqual(publicDeployment(written!));
  });

  it('asks again on the stored document before declining on a version it remembered', async () => {
    const [a, b] = twoInstances();
    const doc = aDeployment({ deployment_id: 'dpl_guarded00000000000000000b' });
    await a!.create(doc);
    await a!.get(doc.deployment_id); // queued, as a remembers it
    await b!.mutate(doc.deployment_id, (d) => transition(d, 'validating', new Date()));
    const written = await a!.mutate(doc.deployment_id, (d) =>
      d.status === 'validating' ? transition(d, 'selecting_gpu', new Date()) : null,
    );
    expect(written).toMatchObject({ status: 'selecting_gpu', version: 2 });
  });

  it('stores exactly what fn returned, a field it left out included', async () => {
    const [a] = twoInstances();
    const doc = aDeployment({ deployment_id: 'dpl_guarded00000000000000000c' });
    await a!.create(doc);
    await a!.get(doc.deployment_id);
    const written = await a!.mutate(doc.deployment_id, (d) => {
      const { estimate: _dropped, ...rest } = d;
      return rest as Deployment;
    });
    const stored = await a!.get(doc.deployment_id);
    expect(stored).toEqual(written);
    expect(stored).not.toHaveProperty('estimate');
  });

  it('commits a mutate that follows a read in one round trip, without a transaction', async () => {
    const [a] = twoInstances();
    const doc = aDeployment({ deployment_id: 'dpl_guarded00000000000000000d' });
    await a!.create(doc);
    await a!.get(doc.deployment_id);
    const sent: string[] = [];
    setLogFunction((line) => {
      if (line.includes('Sending request')) sent.push(line);
    });
    await a!.mutate(doc.deployment_id, (d) => transition(d, 'validating', new Date()));
    setLogFunction(null);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('"writes"');
    expect(sent[0]).not.toContain('"transaction"');
  });
});
