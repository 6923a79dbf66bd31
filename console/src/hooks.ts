import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

/** Runs `load` now and every `ms` while the page is visible; the latest result or error. */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, ms: number, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      if (document.visibilityState === 'visible') {
        try {
          setData(await loadRef.current(abort.signal));
          setError(null);
        } catch (e) {
          if (abort.signal.aborted) return;
          setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
        }
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void tick(), ms);
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, deps);
  return { data, error };
}

/** A clock for "how long in this status" that ticks while `running`. */
export function useNow(running: boolean, ms = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => {
      setNow(new Date());
    }, ms);
    return () => {
      clearInterval(t);
    };
  }, [running, ms]);
  return now;
}
