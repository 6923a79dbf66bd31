import type { ErrorCode } from '@visgate/shared';

/** HTTP status and title per error code: a Record, so a new code does not compile without a mapping. */
export const HTTP: Record<ErrorCode, { status: number; title: string }> = {
  UNAUTHORIZED: { status: 401, title: 'Missing or malformed RunPod API key' },
  RUNPOD_AUTH: { status: 401, title: 'RunPod rejected the API key' },
  VALIDATION_FAILED: { status: 400, title: 'The request is invalid' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  IDEMPOTENCY_MISMATCH: { status: 409, title: 'Idempotency-Key reused with a different request' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  CONFLICT: { status: 409, title: 'Conflict' },
  MODEL_NOT_FOUND: { status: 404, title: 'Model not found' },
  MODEL_GATED: { status: 403, title: 'Model is gated' },
  MODEL_PRIVATE: { status: 403, title: 'Model is private' },
  MODEL_UNSUPPORTED: { status: 422, title: 'Model is not a supported diffusers pipeline' },
  MODEL_TOO_LARGE: { status: 422, title: 'Model does not fit any allowed GPU' },
  NO_CAPACITY: { status: 503, title: 'No GPU capacity' },
  QUOTA_EXCEEDED: { status: 429, title: 'Quota exceeded' },
  WORKER_CRASHLOOP: { status: 502, title: 'Worker keeps crashing' },
  WORKER_FAILED: { status: 502, title: 'Worker failed' },
  LOAD_TIMEOUT: { status: 504, title: 'Model load timed out' },
  WEBHOOK_URL_REJECTED: { status: 400, title: 'Webhook URL rejected' },
  CACHE_ENDPOINT_REJECTED: { status: 400, title: 'Cache endpoint URL rejected' },
  CACHE_ACCESS_DENIED: { status: 403, title: 'Cache access denied' },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'An upstream service is unavailable' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  INTERNAL: { status: 500, title: 'Internal error' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  TASK_UNSUPPORTED: { status: 422, title: "The task does not fit the model's family" },
  LORA_NOT_FOUND: { status: 422, title: 'LoRA adapter not found' },
  LORA_INVALID: { status: 422, title: 'LoRA adapter is not a usable safetensors file' },
  LORA_BASE_MISMATCH: { status: 422, title: 'LoRA adapter targets another model family' },
};

export const PROBLEM_BASE = 'https://visgate.dev/problems/';

/** RFC 9457 body for a code. `detail` must already be free of secrets. */
export function problem(
  code: ErrorCode,
  detail: string,
  extra: {
    instance?: string;
    requestId?: string;
    retryable?: boolean;
    details?: Record<string, unknown>;
  } = {},
): { status: number; body: Record<string, unknown> } {
  const { status, title } = HTTP[code];
  return {
    status,
    body: {
      type: `${PROBLEM_BASE}${code.toLowerCase().replace(/_/g, '-')}`,
      title,
      status,
      detail,
      code,
      ...(extra.retryable === undefined ? {} : { retryable: extra.retryable }),
      ...(extra.instance === undefined ? {} : { instance: extra.instance }),
      ...(extra.requestId === undefined ? {} : { request_id: extra.requestId }),
      ...extra.details,
    },
  };
}
