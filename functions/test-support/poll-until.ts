/**
 * Resolves once `predicate` holds, checking every `everyMs`. For conditions that change in another
 * process (emulators, function servers), where spinning on setImmediate would starve them of CPU.
 */
export async function pollUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
