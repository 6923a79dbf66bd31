/** Jest globalTeardown of the `gcp` project: stops what global-setup.ts started. */
export default async function globalTeardown(): Promise<void> {
  const stop = (globalThis as { __visgateEmulators?: () => Promise<void> }).__visgateEmulators;
  await stop?.();
}
