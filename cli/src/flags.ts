/**
 * Every flag `visgate` knows, with its help text. Commands list the ones they accept (see
 * command-table.ts); a flag another command knows is refused by name rather than ignored, so a
 * misplaced `--wait` or `--gpu-tier` never silently does nothing.
 */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** What the value is, in help: `URL`, `N`, `TOKEN`. */
  value?: string;
  help: string;
  /** May be given more than once (values collected in order). */
  repeatable?: boolean;
}

export const FLAGS = {
  help: { type: 'boolean', short: 'h', help: 'show help for the command' },
  version: { type: 'boolean', short: 'V', help: 'print the version of visgate' },
  json: { type: 'boolean', help: 'print machine-readable JSON on stdout' },
  api: {
    type: 'string',
    value: 'URL',
    help: 'visgate API base URL (env VISGATE_API_URL, else the one saved by login, else http://127.0.0.1:8080)',
  },
  key: {
    type: 'string',
    value: 'KEY',
    help: 'RunPod API key (env RUNPOD_API_KEY, else the one saved by visgate login)',
  },
  'runpod-api': {
    type: 'string',
    value: 'URL',
    help: 'RunPod REST base (env VISGATE_RUNPOD_API_URL, default https://api.runpod.io)',
  },
  wait: { type: 'boolean', help: 'follow live progress until it settles (Ctrl-C stops following)' },
  'hf-token': {
    type: 'string',
    value: 'TOKEN',
    help: 'Hugging Face token for gated or private models (env HF_TOKEN)',
  },
  revision: { type: 'string', value: 'REV', help: 'branch, tag or commit sha (default main)' },
  task: {
    type: 'string',
    value: 'TASK',
    help: 'text-to-image, image-to-image, inpainting or text-to-video (default: what the model does)',
  },
  'gpu-tier': {
    type: 'string',
    value: 'TIER',
    help: 'ECONOMY, STANDARD, PRO, ULTIMATE, a pool id (ADA_24) or a card (4090, H100); see visgate gpus',
  },
  'gpu-pools': {
    type: 'string',
    value: 'P1,P2',
    help: 'up to 3 RunPod pool ids, in order of preference (see visgate gpus)',
  },
  'workers-min': { type: 'string', value: 'N', help: 'workers kept warm, 0-10 (default 0)' },
  'workers-max': { type: 'string', value: 'N', help: 'most workers at once, 1-10 (default 1)' },
  'idle-timeout': {
    type: 'string',
    value: 'DUR',
    help: 'how long an idle worker stays up: 5s-1h (default 120s)',
  },
  'no-flashboot': { type: 'boolean', help: "turn off RunPod's FlashBoot (on by default)" },
  'data-centers': { type: 'string', value: 'DC1,DC2', help: 'RunPod data centers to place on' },
  ttl: {
    type: 'string',
    value: 'DUR',
    help: 'delete the deployment after this long: 60s-30d, e.g. 90m, 2h',
  },
  budget: {
    type: 'string',
    value: 'USD',
    help: 'delete the deployment once it has spent this much',
  },
  webhook: { type: 'string', value: 'URL', help: 'POST signed deployment events to this URL' },
  'webhook-events': {
    type: 'string',
    value: 'E1,E2',
    help: 'deployment.ready, deployment.failed, deployment.deleted (default all)',
  },
  'cache-scope': {
    type: 'string',
    value: 'SCOPE',
    help: "weights cache: none, shared (the service's) or private (your bucket; needs the flags below)",
  },
  'cache-s3-url': { type: 'string', value: 'S3URL', help: 'your cache bucket, s3://bucket/prefix' },
  'cache-endpoint-url': {
    type: 'string',
    value: 'URL',
    help: 'S3-compatible endpoint of the bucket (R2, MinIO…)',
  },
  'cache-access-key-id': { type: 'string', value: 'ID', help: "the bucket's access key id" },
  'cache-secret-access-key': {
    type: 'string',
    value: 'SECRET',
    help: "the bucket's secret access key",
  },
  metadata: {
    type: 'string',
    value: 'K=V',
    repeatable: true,
    help: 'a label stored with the deployment (repeat for more, at most 16)',
  },
  'idempotency-key': {
    type: 'string',
    value: 'KEY',
    help: 'reuse a key to make a retried deploy return the first deployment (default: a fresh one)',
  },
  output: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    help: 'where to write the result: .png, .jpg or .webp (more images: out-2.png …), or .mp4 for a video',
  },
  image: {
    type: 'string',
    value: 'FILE|URL',
    help: 'image-to-image: start from this picture (a file, sent as base64, or an https URL)',
  },
  mask: {
    type: 'string',
    value: 'FILE|URL',
    help: 'inpainting: white repaints, black keeps (needs --image)',
  },
  strength: {
    type: 'string',
    value: 'S',
    help: 'how far from --image to go, 0-1 (default 0.8; 1 for inpainting)',
  },
  frames: {
    type: 'string',
    value: 'N',
    help: 'video: frames to generate (Wan 4k+1, CogVideoX 8k+1)',
  },
  fps: { type: 'string', value: 'N', help: 'video: frames per second of the MP4' },
  lora: {
    type: 'string',
    value: 'SPEC',
    repeatable: true,
    help: 'a LoRA adapter: org/name[@rev][:scale] (repeat, at most 5); a job also takes an https .safetensors URL[:scale]',
  },
  steps: { type: 'string', value: 'N', help: 'inference steps' },
  seed: { type: 'string', value: 'N', help: 'random seed (same seed, same image)' },
  width: { type: 'string', value: 'N', help: 'image width in pixels' },
  height: { type: 'string', value: 'N', help: 'image height in pixels' },
  negative: { type: 'string', value: 'TEXT', help: 'negative prompt' },
  timeout: { type: 'string', value: 'S', help: 'execution timeout of the job in seconds' },
  status: { type: 'string', value: 'S', help: 'only those with this status' },
  all: { type: 'boolean', short: 'a', help: 'include deleted deployments' },
  yes: { type: 'boolean', short: 'y', help: 'do it without asking' },
  port: { type: 'string', value: 'N', help: 'port to listen on (default 9000; 0 = any free port)' },
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
  secret: { type: 'string', value: 'whsec_…', help: 'the webhook_secret of your deployment' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** The flags as parsed: a string, true, or every value of a repeatable flag. */
export type Flags = Partial<Record<FlagName, string | boolean | string[]>>;

/** Flags every command accepts. */
export const UNIVERSAL_FLAGS: readonly FlagName[] = ['help'];
/** Flags of every command that talks to the API. */
export const API_FLAGS: readonly FlagName[] = ['api', 'key', 'json'];
/** The request body of a deployment, shared by `deploy` and `estimate`. */
export const DEPLOYMENT_FLAGS: readonly FlagName[] = [
  'hf-token',
  'revision',
  'task',
  'lora',
  'gpu-tier',
  'gpu-pools',
  'workers-min',
  'workers-max',
  'idle-timeout',
  'no-flashboot',
  'data-centers',
  'ttl',
  'budget',
  'webhook',
  'webhook-events',
  'cache-scope',
  'cache-s3-url',
  'cache-endpoint-url',
  'cache-access-key-id',
  'cache-secret-access-key',
  'metadata',
];
