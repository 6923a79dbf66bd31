import type { ErrorCode } from '@visgate/shared';

/** What a person can do about a failed deployment, by error code. */
const NEXT: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: 'Check the RunPod API key (Forget key, then enter it again).',
  RUNPOD_AUTH: 'RunPod refused the key: create a key with read/write access in RunPod settings.',
  VALIDATION_FAILED: 'Fix the fields named in the message and deploy again.',
  MODEL_NOT_FOUND: 'Check the model id on huggingface.co (org/name) and its revision.',
  MODEL_GATED:
    'Accept the model’s licence on huggingface.co, then deploy again with a Hugging Face token.',
  MODEL_PRIVATE: 'Deploy again with a Hugging Face token that can read this repository.',
  MODEL_UNSUPPORTED: 'Pick a diffusers text-to-image model (see the supported models in the docs).',
  MODEL_TOO_LARGE: 'No GPU pool fits this model: choose a smaller model or a larger GPU tier.',
  NO_CAPACITY:
    'RunPod has no free GPUs in the chosen pools: deploy again later or widen the GPU tier.',
  QUOTA_EXCEEDED:
    'Your RunPod account hit a limit (workers or balance): raise it in RunPod, then deploy again.',
  WORKER_CRASHLOOP:
    'The worker keeps crashing: check the model loads with diffusers, then deploy again.',
  WORKER_FAILED: 'The worker reported an error: read the message, fix the cause and deploy again.',
  LOAD_TIMEOUT: 'Loading took too long: deploy again (a cache or a faster GPU tier helps).',
  WEBHOOK_URL_REJECTED: 'Use a public https webhook URL.',
  CACHE_ENDPOINT_REJECTED: 'Use a public https S3 endpoint for the cache.',
  CACHE_ACCESS_DENIED: 'Check the cache bucket’s access key and its permissions.',
  UPSTREAM_UNAVAILABLE: 'RunPod or the Hub was unavailable: deploy again in a few minutes.',
  RATE_LIMITED: 'Too many requests: wait a minute and try again.',
  INTERNAL:
    'Something failed on our side: deploy again, and quote the deployment id if it repeats.',
};

export function nextStep(code: ErrorCode): string {
  return NEXT[code] ?? 'Deploy again; quote the deployment id if it repeats.';
}
