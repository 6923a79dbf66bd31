/**
 * A group of timers that can be cancelled together: one per worker, one per endpoint and one for
 * the whole simulator, so deleting an endpoint or closing the simulator leaves no handle behind.
 */
export interface TimerScope {
  /** Runs `fn` after `ms` unless the scope is cleared first. */
  after(ms: number, fn: () => void): void;
  /** Resolves after `ms`; never resolves once the scope is cleared. */
  wait(ms: number): Promise<void>;
  /** A scope cleared together with this one (and clearable on its own). */
  child(): TimerScope;
  /** Cancels every pending timer here and in child scopes; later `after` calls are ignored. */
  clear(): void;
  readonly isCleared: boolean;
}

export function createTimerScope(): TimerScope {
  const handles = new Set<NodeJS.Timeout>();
  const children = new Set<TimerScope>();
  let cleared = false;

  const scope: TimerScope = {
    after(ms, fn) {
      if (cleared) return;
      const handle = setTimeout(() => {
        handles.delete(handle);
        fn();
      }, ms);
      handles.add(handle);
    },
    wait(ms) {
      return new Promise((resolve) => {
        scope.after(ms, resolve);
      });
    },
    child() {
      const c = createTimerScope();
      if (cleared) c.clear();
      else children.add(c);
      return c;
    },
    clear() {
      cleared = true;
      for (const h of handles) clearTimeout(h);
      handles.clear();
      for (const c of children) c.clear();
      children.clear();
    },
    get isCleared() {
      return cleared;
    },
  };
  return scope;
}
