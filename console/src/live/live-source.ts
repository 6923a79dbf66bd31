import type { ConsoleConfig, PublicDeployment } from '@visgate/shared';
import type { Api } from '../api';
import { createSseSource } from './sse-source';

/**
 * Where a deployment page gets its live document: SSE from our API locally, Firestore onSnapshot in
 * Google Cloud. `watch` calls `onDoc` with every version it sees, from the current one on, until
 * the returned function is called.
 */
export interface LiveSource {
  readonly kind: 'sse' | 'firestore';
  watch(
    id: string,
    onDoc: (d: PublicDeployment) => void,
    onError: (message: string) => void,
  ): () => void;
}

export function readConfig(): ConsoleConfig {
  const el = document.getElementById('visgate-config');
  try {
    return el?.textContent ? (JSON.parse(el.textContent) as ConsoleConfig) : { live: 'sse' };
  } catch {
    return { live: 'sse' };
  }
}

/** The source this deploy uses; the Firestore one (and the firebase SDK) loads only when needed. */
export async function createLiveSource(config: ConsoleConfig, api: Api): Promise<LiveSource> {
  if (config.live === 'firestore' && config.firebase) {
    const { createFirestoreSource } = await import('./firestore-source');
    return createFirestoreSource(config.firebase);
  }
  return createSseSource(api);
}
