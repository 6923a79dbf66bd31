import type { Config } from './config';
import type {
  Bus,
  Clock,
  DeploymentStore,
  IdempotencyStore,
  JobStore,
  Logger,
  ModelHub,
  OpenModelFiles,
  OpenObjectStore,
  RandomBytes,
  ResolveHost,
  RunPodApi,
  SecretStore,
  TaskQueue,
  WebhookSender,
} from './ports';
import type { GpuCatalogSource } from './steps/select-gpu/gpu-catalog-source';

/** Everything a step may need. Each handler takes the subset it uses (`Pick<Deps, ...>`). */
export interface Deps {
  config: Config;
  store: DeploymentStore;
  /** Inference jobs (`jobs/{id}`). */
  jobs: JobStore;
  secrets: SecretStore;
  idempotency: IdempotencyStore;
  bus: Bus;
  tasks: TaskQueue;
  clock: Clock;
  log: Logger;
  random: RandomBytes;
  runpod: RunPodApi;
  hub: ModelHub;
  webhooks: WebhookSender;
  catalog: GpuCatalogSource;
  /** DNS for webhook URL checks (every address of a host). */
  resolveHost: ResolveHost;
  /** Opens a model cache bucket (S3 API). */
  objectStores: OpenObjectStore;
  /** The files of a pinned revision on the Hub, for the cache fill. */
  modelFiles: OpenModelFiles;
}
