/**
 * The composite indexes the Firestore adapters' queries need, declared beside them.
 * firestore.indexes.json is this list and the field overrides below rendered (a test keeps them
 * equal), and infra/plan.ts applies them.
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

// Fields no query filters or sorts on, exempt from Firestore's automatic single-field indexes:
// every write re-indexes every indexed value, so growing arrays (history, webhook deliveries) and
// maps (metadata, progress, runtime) cost index writes and storage on each transition for nothing.
// A map's exemption covers its subfields. What the queries use stays indexed (the composite
// indexes above: owner_hash, status, created_at, updated_at, deployment_id; jobs alike).
/** The unqueried maps and arrays of a deployment (and of its public projection). */
const DEPLOYMENT_UNQUERIED = [
  'history',
  'webhook',
  'metadata',
  'progress',
  'settings',
  'model',
  'estimate',
  'gpu',
  'timings',
  'workers',
  'cost',
  'error',
] as const;

/** Fields with every single-field index disabled (`indexes: []` in firestore.indexes.json). */
export const FIRESTORE_UNINDEXED_FIELDS: readonly { collectionGroup: string; field: string }[] = [
  ...[...DEPLOYMENT_UNQUERIED, 'runtime'].map((field) => ({
    collectionGroup: 'deployments',
    field,
  })),
  // Read by id only (listeners, `get`): firestore.rules denies every query.
  ...DEPLOYMENT_UNQUERIED.map((field) => ({ collectionGroup: 'deployment_status', field })),
  // Read by id only; sealed or serialized blobs.
  { collectionGroup: 'idempotency', field: 'record_json' },
  { collectionGroup: 'deployment_secrets', field: 'sealed' },
];

/** One `fieldOverrides` entry of firestore.indexes.json. */
export interface FieldOverride {
  collectionGroup: string;
  fieldPath: string;
  ttl?: true;
  indexes: [];
}

/**
 * Every field override: the TTL fields (not indexed either: a TTL timestamp only grows, and an
 * index on it is a write hotspot that nothing reads) and the unindexed fields. infra/plan.ts
 * applies exactly these.
 */
export function fieldOverrides(): FieldOverride[] {
  return [
    ...FIRESTORE_TTL_FIELDS.map((t) => ({
      collectionGroup: t.collectionGroup,
      fieldPath: t.field,
      ttl: true as const,
      indexes: [] as [],
    })),
    ...FIRESTORE_UNINDEXED_FIELDS.map((t) => ({
      collectionGroup: t.collectionGroup,
      fieldPath: t.field,
      indexes: [] as [],
    })),
  ];
}

/** firestore.indexes.json as the Firebase CLI reads it. */
export function renderIndexesJson(): string {
  return `${JSON.stringify({ indexes: FIRESTORE_INDEXES, fieldOverrides: fieldOverrides() }, null, 2)}\n`;
}
