/**
 * The functions workspace's public surface for code that runs the system in-process from outside it:
 * `@visgate/sim` (the simulated local system, chaos, the demo). The deployed bundle starts from
 * `entry/index.ts` instead, and nothing here is loaded by it.
 */
export { buildEmbeddedSystem, type EmbeddedOptions, type EmbeddedSystem } from './wiring/embedded';
export { ConfigError, loadConfig, type Config } from './config';
export { bindServer, listen } from './local/server';
export { withLocalKeys } from './local/local-keys';
export { describeListenError, formatBanner } from './local/banner';
export { readSse, type SseFrame } from './local/sse-client';
export { createJsonLogger, createMemoryLogger } from './adapters/log/json-logger';
export { createHubClient } from './adapters/hf/hub-client';
export { createRunPodClient } from './adapters/runpod/runpod-client';
export { createHttpWebhookSender } from './adapters/webhook/http-webhook-sender';
export type { Timers } from './adapters/embedded/timers';
export type { Clock, Logger, RunPodApi, WebhookSender } from './ports';
