import type { RunPodSimOptions } from '../runpod-sim';

/**
 * How long things take on the dev server's simulated RunPod at `DEV_TIME_SCALE=1`: roughly what a
 * small model (SD-Turbo, ~5 GB) takes on a real serverless endpoint with a warm image, so the CLI's
 * progress, the console's timeline and a developer's patience meet the real thing. About 35 s from
 * the request to `ready`; tests run the same at a small scale.
 */
export const DEV_SIM_TIMINGS = {
  latencyMs: 40,
  /** RunPod filling its model cache on the host (cached models), workers waiting unbilled. */
  cacheFillMs: 8_000,
  /** Container start with the image already on the host. */
  initMs: 5_000,
  downloadMs: 14_000,
  downloadSteps: 14,
  loadMs: 5_000,
  restartMs: 8_000,
  /** One text-to-image job. */
  jobMs: 2_500,
  callbackBackoffMs: 500,
} satisfies Partial<RunPodSimOptions>;

/** The simulator's timings at `scale` (1 = as above). */
export function scaledSimTimings(scale: number): Partial<RunPodSimOptions> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(DEV_SIM_TIMINGS)) {
    out[k] = k === 'downloadSteps' ? v : Math.max(1, Math.round(v * scale));
  }
  return { ...out, idleTimeoutScale: Math.max(1, 1000 * scale) };
}

/**
 * The server's own clocks at `scale`, for the variables the user did not set: production defaults
 * at 1, proportionally shorter for tests, so a poll or a webhook retry keeps its place relative to
 * what it waits for.
 */
export function scaledServerEnv(
  scale: number,
  env: Record<string, string | undefined>,
): Record<string, string> {
  if (scale === 1) return {};
  const ms = (v: number): string => String(Math.max(1, Math.round(v * scale)));
  const s = (v: number): string => String(Math.max(0.001, v * scale));
  const scaled: Record<string, string> = {
    POLL_INTERVAL_MS: ms(5_000),
    POLL_MAX_INTERVAL_MS: ms(30_000),
    THROTTLE_GRACE_S: s(300),
    READY_PROBE_AFTER_S: s(120),
    LOAD_TIMEOUT_S: s(1_800),
    REAPER_INTERVAL_S: s(60),
    // A restart in the middle of provisioning waits out the dead run's lease before taking over.
    PROVISION_LEASE_S: s(150),
    STEP_DEADLINE_S: s(900),
    WEBHOOK_RETRY_SCHEDULE_S: [0, 5, 300, 1800, 7200, 18000, 36000, 36000].map(s).join(','),
  };
  return Object.fromEntries(Object.entries(scaled).filter(([k]) => env[k] === undefined));
}
