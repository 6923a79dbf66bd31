import { z } from 'zod';

/**
 * The closed set of error codes users can act on. Codes are never renamed; new ones are appended.
 * The same codes appear in problem+json bodies and in a failed deployment's `error.code`.
 */
export const ERROR_CODES = [
  'UNAUTHORIZED',
  'RUNPOD_AUTH',
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'IDEMPOTENCY_MISMATCH',
  'RATE_LIMITED',
  'CONFLICT',
  'MODEL_NOT_FOUND',
  'MODEL_GATED',
  'MODEL_PRIVATE',
  'MODEL_UNSUPPORTED',
  'MODEL_TOO_LARGE',
  'NO_CAPACITY',
  'QUOTA_EXCEEDED',
  'WORKER_CRASHLOOP',
  'WORKER_FAILED',
  'LOAD_TIMEOUT',
  'WEBHOOK_URL_REJECTED',
  'CACHE_ENDPOINT_REJECTED',
  'CACHE_ACCESS_DENIED',
  'UPSTREAM_UNAVAILABLE',
  'PAYLOAD_TOO_LARGE',
  'INTERNAL',
  'METHOD_NOT_ALLOWED',
  'TASK_UNSUPPORTED',
  'LORA_NOT_FOUND',
  'LORA_INVALID',
  'LORA_BASE_MISMATCH',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** Whether retrying the same request later can succeed without the user changing anything. */
export const RETRYABLE: Record<ErrorCode, boolean> = {
  UNAUTHORIZED: false,
  RUNPOD_AUTH: false,
  VALIDATION_FAILED: false,
  NOT_FOUND: false,
  IDEMPOTENCY_MISMATCH: false,
  RATE_LIMITED: true,
  CONFLICT: false,
  MODEL_NOT_FOUND: false,
  MODEL_GATED: false,
  MODEL_PRIVATE: false,
  MODEL_UNSUPPORTED: false,
  MODEL_TOO_LARGE: false,
  NO_CAPACITY: true,
  QUOTA_EXCEEDED: false,
  WORKER_CRASHLOOP: false,
  WORKER_FAILED: false,
  LOAD_TIMEOUT: true,
  WEBHOOK_URL_REJECTED: false,
  CACHE_ENDPOINT_REJECTED: false,
  CACHE_ACCESS_DENIED: false,
  UPSTREAM_UNAVAILABLE: true,
  PAYLOAD_TOO_LARGE: false,
  INTERNAL: true,
  METHOD_NOT_ALLOWED: false,
  TASK_UNSUPPORTED: false,
  LORA_NOT_FOUND: false,
  LORA_INVALID: false,
  LORA_BASE_MISMATCH: false,
};

/**
 * What a deployed step does with an error it does not handle itself: `redeliver` (throw, so Pub/Sub
 * or Cloud Tasks runs the step again, at most STEP_MAX_ATTEMPTS times, then the deployment fails),
 * `defer` (another run of the same step holds the work: come back later, but this is no failure of
 * the step, so it is neither counted nor ever fails the deployment) or `fail` (the deployment ends
 * `failed` with the code and the message is acknowledged). This is not RETRYABLE: that tells an
 * HTTP client whether the same request may succeed later (NO_CAPACITY is worth retrying for a
 * client, but a step that found every candidate pool refused has nothing new to try on redelivery).
 */
export type StepFailurePolicy = 'redeliver' | 'defer' | 'fail';

export const ON_STEP_FAILURE: Record<ErrorCode, StepFailurePolicy> = {
  UNAUTHORIZED: 'fail',
  RUNPOD_AUTH: 'fail',
  VALIDATION_FAILED: 'fail',
  NOT_FOUND: 'fail',
  IDEMPOTENCY_MISMATCH: 'fail',
  RATE_LIMITED: 'redeliver',
  // Inside a step a conflict is another run of the same step holding the lease: try later, and
  // never count it (duplicate deliveries would otherwise fail a deployment that is going well).
  CONFLICT: 'defer',
  MODEL_NOT_FOUND: 'fail',
  MODEL_GATED: 'fail',
  MODEL_PRIVATE: 'fail',
  MODEL_UNSUPPORTED: 'fail',
  MODEL_TOO_LARGE: 'fail',
  NO_CAPACITY: 'fail',
  QUOTA_EXCEEDED: 'fail',
  WORKER_CRASHLOOP: 'fail',
  WORKER_FAILED: 'fail',
  LOAD_TIMEOUT: 'fail',
  WEBHOOK_URL_REJECTED: 'fail',
  CACHE_ENDPOINT_REJECTED: 'fail',
  CACHE_ACCESS_DENIED: 'fail',
  UPSTREAM_UNAVAILABLE: 'redeliver',
  PAYLOAD_TOO_LARGE: 'fail',
  INTERNAL: 'redeliver',
  METHOD_NOT_ALLOWED: 'fail',
  TASK_UNSUPPORTED: 'fail',
  LORA_NOT_FOUND: 'fail',
  LORA_INVALID: 'fail',
  LORA_BASE_MISMATCH: 'fail',
};

export interface AppErrorOptions {
  cause?: unknown;
  /** Extra machine-readable fields for the problem body (e.g. `errors`, `need_bytes`). Never secrets. */
  details?: Record<string, unknown>;
  /** Overrides the code's default retryability (e.g. a 5xx from RunPod is retryable, a 4xx is not). */
  retryable?: boolean;
  /** Seconds the caller should wait before retrying, when known (RunPod 429 Retry-After). */
  retryAfterS?: number;
  /**
   * Overrides the code's step policy (ON_STEP_FAILURE), e.g. an upstream answer we cannot parse
   * will not parse on redelivery either.
   */
  onStep?: StepFailurePolicy;
}

/**
 * The one error type for outcomes a user can act on. Messages are shown to users verbatim, so they
 * must never contain a secret or an unscrubbed upstream body.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;
  readonly retryAfterS: number | undefined;
  /** What a deployed step does with this error when it does not handle it (ON_STEP_FAILURE). */
  readonly onStep: StepFailurePolicy;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? RETRYABLE[code];
    this.retryAfterS = options.retryAfterS;
    this.onStep = options.onStep ?? ON_STEP_FAILURE[code];
  }
}

/** True for an AppError (also across realms, where instanceof can fail). */
export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError || (e instanceof Error && e.name === 'AppError' && 'code' in e);
}

/** Compile-time exhaustiveness check for a `switch` over a union. */
export function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
