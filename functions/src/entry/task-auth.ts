import { OAuth2Client } from 'google-auth-library';

/** Decides whether a request to a task or scheduler target comes from our invoker. */
export type RequestAuthenticator = (authorization: string | undefined) => Promise<boolean>;

/**
 * What Cloud Run puts in place of the signature of an ID token it has verified (IAM invoker check of
 * a service deployed with --no-allow-unauthenticated) before the request reaches the container:
 * `header.payload.SIGNATURE_REMOVED_BY_GOOGLE` (cloud.google.com/run/docs/troubleshooting,
 * "signature removed"). Such a token can never pass a signature check again.
 */
export const SIGNATURE_REMOVED_BY_GOOGLE = 'SIGNATURE_REMOVED_BY_GOOGLE';

/** Google's ID-token issuers (the `iss` claim of tokens Cloud Tasks and Cloud Scheduler mint). */
const GOOGLE_ISSUERS = new Set(['https://accounts.google.com', 'accounts.google.com']);
/** Clock skew allowed on `exp`, as google-auth-library allows. */
const SKEW_S = 300;

export interface IdTokenClaims {
  iss?: unknown;
  aud?: unknown;
  email?: unknown;
  email_verified?: unknown;
  exp?: unknown;
}

function decodePart(part: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** True when the claims are those of an ID token Google minted for `serviceAccount` and `audience`. */
export function claimsMatch(
  claims: IdTokenClaims,
  opts: { audience: string; serviceAccount: string; nowS: number },
): boolean {
  return (
    typeof claims.iss === 'string' &&
    GOOGLE_ISSUERS.has(claims.iss) &&
    claims.aud === opts.audience &&
    claims.email === opts.serviceAccount &&
    claims.email_verified === true &&
    typeof claims.exp === 'number' &&
    claims.exp + SKEW_S > opts.nowS
  );
}

/**
 * Checks the OIDC token Cloud Tasks / Cloud Scheduler attach to a call of a private task target.
 *
 * Behind Cloud Run (every task target is deployed with --no-allow-unauthenticated) the platform has
 * already verified the signature and the invoker binding, and hands the function the token with
 * its signature replaced by SIGNATURE_REMOVED_BY_GOOGLE: we trust that check and verify the claims
 * (issuer, audience, our invoker account, verified email, not expired). A token that still carries
 * a signature did not pass through that check (a target exposed without IAM, a local run): it is
 * verified in full with google-auth-library (Google's certificates) before its claims are checked.
 * Anything else (no token, not a JWT, an empty or `alg: none` signature) is refused.
 */
export function createOidcAuthenticator(opts: {
  audience: string;
  serviceAccount: string;
  client?: Pick<OAuth2Client, 'verifyIdToken'>;
  nowS?: () => number;
}): RequestAuthenticator {
  const nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
  let client = opts.client;
  return async (authorization) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const parts = token?.split('.');
    if (!token || parts?.length !== 3) return false;
    const [headerPart, payloadPart, signature] = parts as [string, string, string];
    const header = decodePart(headerPart);
    const claims = decodePart(payloadPart);
    if (header === null || claims === null || signature === '') return false;
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') return false;
    const expect = { audience: opts.audience, serviceAccount: opts.serviceAccount, nowS: nowS() };
    if (signature === SIGNATURE_REMOVED_BY_GOOGLE) return claimsMatch(claims, expect);
    try {
      client ??= new OAuth2Client();
      const ticket = await client.verifyIdToken({ idToken: token, audience: opts.audience });
      return claimsMatch(ticket.getPayload() ?? {}, expect);
    } catch {
      return false;
    }
  };
}

/** For functions whose caller is checked elsewhere (api: API keys; Eventarc: IAM). */
export const acceptAll: RequestAuthenticator = () => Promise.resolve(true);
