/** Resolves once `predicate` holds, checking on every turn of the event loop (no fixed sleeps). */
export function waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error(`condition not met within ${timeoutMs} ms`));
      else setImmediate(tick);
    };
    tick();
  });
}
