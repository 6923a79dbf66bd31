import type { IdempotencyRecord, IdempotencyStore } from '../../ports';
import type { SecretBox } from './secret-box';

/** How a response body lies at rest: one sealed blob (`v1.…`, AES-256-GCM) instead of its JSON. */
interface SealedBody {
  sealed: string;
}

const isSealed = (body: unknown): body is SealedBody =>
  body !== null &&
  typeof body === 'object' &&
  typeof (body as { sealed?: unknown }).sealed === 'string';

/** The record's key is bound as AAD, so a blob copied onto another key does not open. */
const aad = (scopedKey: string): string => `idempotency:${scopedKey}`;

/**
 * An IdempotencyStore whose first-response bodies are sealed like the deployment secrets: the 202
 * body of POST /v1/deployments carries `webhook_secret`, and a replay must return it, so it is kept —
 * but never in plain text (embedded map or Firestore `record_json`). Request hash, status and time
 * stay readable; they hold no secret. Wraps any adapter, so both compositions seal in this one place.
 */
export function sealIdempotencyStore(inner: IdempotencyStore, box: SecretBox): IdempotencyStore {
  const seal = (key: string, record: IdempotencyRecord): IdempotencyRecord =>
    record.body === null || record.body === undefined
      ? record
      : {
          ...record,
          body: { sealed: box.seal(JSON.stringify(record.body), aad(key)) } satisfies SealedBody,
        };
  const open = (key: string, record: IdempotencyRecord | null): IdempotencyRecord | null =>
    record === null || !isSealed(record.body)
      ? record
      : { ...record, body: JSON.parse(box.open(record.body.sealed, aad(key))) as unknown };
  return {
    async putIfAbsent(key, record, ttlMs) {
      return open(key, await inner.putIfAbsent(key, seal(key, record), ttlMs));
    },
    async get(key) {
      return open(key, await inner.get(key));
    },
    put(key, record, ttlMs) {
      return inner.put(key, seal(key, record), ttlMs);
    },
    delete(key) {
      return inner.delete(key);
    },
  };
}
