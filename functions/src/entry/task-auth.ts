import { OAuth2Client } from 'google-auth-library';

/** Decides whether a request to a task or scheduler target comes from our invoker. */
export type RequestAuthenticator = (authorization: string | undefined) => Promise<boolean>;

/**
 * Verifies the Google-signed OIDC token Cloud Tasks / Cloud Scheduler attach: signature and expiry
 * (google-auth-library fetches Google's certificates), the audience we expect, and that it was
 * minted for our invoker service account.
 */
export function createOidcAuthenticator(opts: {
  audience: string;
  serviceAccount: string;
  client?: Pick<OAuth2Client, 'verifyIdToken'>;
}): RequestAuthenticator {
  const client = opts.client ?? new OAuth2Client();
  return async (authorization) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return false;
    try {
      const ticket = await client.verifyIdToken({ idToken: token, audience: opts.audience });
      const claims = ticket.getPayload();
      return claims?.email === opts.serviceAccount && claims.email_verified === true;
    } catch {
      return false;
    }
  };
}

/** For the emulators only (config EMULATOR_SKIP_OIDC): accepts every request. */
export const acceptAll: RequestAuthenticator = () => Promise.resolve(true);
