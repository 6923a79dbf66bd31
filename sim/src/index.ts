/**
 * `@visgate/sim`: the simulators as one product, for the demo, the dev server, benches and tests.
 * RunPod and the Hugging Face Hub as real HTTP servers on loopback, an S3 server, a webhook
 * receiver, the whole system in one process against them, and the chaos and load runs over it.
 */
export * from './runpod-sim';
export { hostEnv } from './runpod-sim/real-worker';
export * from './hf-sim';
export { startS3Server, startS3rver, type S3Server } from './s3-server';
export {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './webhook-receiver';
export {
  createOffsetClock,
  fakeRunPodKey,
  FAST_ENV,
  startLocalSystem,
  type LocalSystem,
} from './local-system';
export { DEFAULT_CHAOS, runChaos, type ChaosOptions, type ChaosReport } from './chaos/run-chaos';
export { percentile, runLoad, type LoadResult } from './load-post';
export {
  buildTinyPipeline,
  pngSize,
  TINY_MODEL_ID,
  buildTinyLora,
  tinyModelRepo,
  tinyRealWorker,
  WORKER_DIR,
} from './tiny-worker-model';
export { seededRandom } from './seeded-random';
export { mp4Facts, mp4Layout } from './runpod-sim/sim-video';
export { waitUntil } from './wait-until';
export { startDevServer, DEV_HF_TOKEN, type DevServer } from './dev/dev-server';
export { spawnDevServer, type SpawnedDevServer } from './dev/spawn-dev-server';
