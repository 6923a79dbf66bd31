import { AppError } from '@visgate/shared';

/** What an error message may name: never the token, only whether one was sent. */
export interface HubErrorContext {
  modelId: string;
  revision: string;
  hasToken: boolean;
}

/**
 * Maps a non-2xx Hub answer to an AppError. The Hub answers 401 to anonymous callers for both
 * missing and private repos, so only `X-Error-Code` (RepoNotFound, GatedRepo, RevisionNotFound,
 * EntryNotFound) tells the cases apart.
 */
export function hubResponseError(
  status: number,
  errorCode: string | null,
  retryAfter: string | null,
  ctx: HubErrorContext,
): AppError {
  const details = { model_id: ctx.modelId, upstream_status: status };
  if (status === 429 || status >= 500) {
    const retryAfterS =
      retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
    return new AppError(
      'UPSTREAM_UNAVAILABLE',
      `Hugging Face answered ${status}; try again later.`,
      {
        details,
        retryAfterS,
      },
    );
  }
  switch (errorCode) {
    case 'GatedRepo':
      return new AppError(
        'MODEL_GATED',
        `${ctx.modelId} is gated: it needs an accepted licence on huggingface.co and an hf_token of that account${ctx.hasToken ? ' (the given hf_token has no access)' : ''}.`,
        { details },
      );
    case 'RevisionNotFound':
      return new AppError('MODEL_NOT_FOUND', `${ctx.modelId} has no revision "${ctx.revision}".`, {
        details,
      });
    case 'RepoNotFound':
      return new AppError(
        'MODEL_NOT_FOUND',
        ctx.hasToken
          ? `${ctx.modelId} was not found, or the given hf_token cannot see it.`
          : `${ctx.modelId} was not found, or it is private: pass hf_token.`,
        { details },
      );
    case 'EntryNotFound':
      return new AppError('MODEL_UNSUPPORTED', `${ctx.modelId} lists a file it does not serve.`, {
        details,
      });
  }
  if (status === 401 && ctx.hasToken) {
    return new AppError(
      'MODEL_NOT_FOUND',
      'Hugging Face rejected the hf_token (invalid or expired).',
      {
        details: { ...details, reason: 'token_rejected' },
      },
    );
  }
  if (status === 401 || status === 404) {
    return hubResponseError(status, 'RepoNotFound', retryAfter, ctx);
  }
  return new AppError('UPSTREAM_UNAVAILABLE', `Hugging Face answered ${status} unexpectedly.`, {
    details,
    retryable: false,
    onStep: 'fail',
  });
}

/** Whether a thrown value is a timeout, abort or network failure of fetch (worth retrying later). */
export function isTransportError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  return e instanceof TypeError && /fetch failed|terminated|network/i.test(e.message);
}

/** Wraps a transport failure (timeout, reset, refused) as a retryable AppError. */
export function transportError(e: unknown, ctx: HubErrorContext): AppError {
  const timedOut = e instanceof Error && e.name === 'TimeoutError';
  return new AppError(
    'UPSTREAM_UNAVAILABLE',
    timedOut ? 'Hugging Face did not answer in time.' : 'Hugging Face could not be reached.',
    { cause: e, details: { model_id: ctx.modelId } },
  );
}
