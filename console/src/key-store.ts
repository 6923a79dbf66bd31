/**
 * The RunPod key stays in this browser: sessionStorage by default (gone when the tab closes),
 * localStorage only when the user opts in. It is sent only as a Bearer header to our own origin
 * (api.ts) and never put in a URL or logged.
 */
const NAME = 'visgate.runpod-key';

export interface StoredKey {
  key: string;
  remember: boolean;
}

const read = (storage: Storage): string | null => {
  try {
    return storage.getItem(NAME);
  } catch {
    return null;
  }
};

export function loadKey(): StoredKey | null {
  const session = read(sessionStorage);
  if (session) return { key: session, remember: false };
  const local = read(localStorage);
  return local ? { key: local, remember: true } : null;
}

export function saveKey(key: string, remember: boolean): void {
  forgetKey();
  (remember ? localStorage : sessionStorage).setItem(NAME, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(NAME);
  localStorage.removeItem(NAME);
}

/** A plausible key: visible ASCII without spaces (the API decides whether RunPod accepts it). */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'enter your RunPod API key';
  if (!/^[\x21-\x7e]{8,512}$/.test(key))
    return 'a RunPod API key has no spaces and is 8–512 characters';
  return null;
}
