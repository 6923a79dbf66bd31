/**
 * The composite indexes the Firestore adapters' queries need, declared beside them.
 * firestore.indexes.json is this list rendered (a test keeps them equal) and infra/ creates it.
 */
export interface CompositeIndex {
  collectionGroup: string;
  queryScope: 'COLLECTION';
  fields: { fieldPath: string; order: 'ASCENDING' | 'DESCENDING' }[];
}

const asc = (fieldPath: string) => ({ fieldPath, order: 'ASCENDING' as const });
const desc = (fieldPath: string) => ({ fieldPath, order: 'DESCENDING' as const });
const index = (collectionGroup: string, ...fields: CompositeIndex['fields']): CompositeIndex => ({
  collectionGroup,
  queryScope: 'COLLECTION',
  fields,
});

export const FIRESTORE_INDEXES: readonly CompositeIndex[] = [
  // DeploymentStore.list: owner [+ status], newest first (and the cursor's created_at range).
  index('deployments', asc('owner_hash'), desc('created_at'), desc('deployment_id')),
  index('deployments', asc('owner_hash'), asc('status'), desc('created_at'), desc('deployment_id')),
  // DeploymentScanner.scan (reaper): status in [...], oldest updated_at first.
  index('deployments', asc('status'), asc('updated_at')),
  // JobStore.list: one owner's jobs of one deployment [+ status], newest first.
  index('jobs', asc('owner_hash'), asc('deployment_id'), desc('created_at'), desc('job_id')),
  index(
    'jobs',
    asc('owner_hash'),
    asc('deployment_id'),
    asc('status'),
    desc('created_at'),
    desc('job_id'),
  ),
];

/** Fields with a TTL policy: Firestore deletes the document some time after this timestamp. */
export const FIRESTORE_TTL_FIELDS: readonly { collectionGroup: string; field: string }[] = [
  { collectionGroup: 'idempotency', field: 'expires_at' },
];

/** firestore.indexes.json as the Firebase CLI reads it. */
export function renderIndexesJson(): string {
  return `${JSON.stringify(
    {
      indexes: FIRESTORE_INDEXES,
      fieldOverrides: FIRESTORE_TTL_FIELDS.map((t) => ({
        collectionGroup: t.collectionGroup,
        fieldPath: t.field,
        ttl: true,
        indexes: [],
      })),
    },
    null,
    2,
  )}\n`;
}
