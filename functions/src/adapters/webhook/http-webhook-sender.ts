import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { WebhookSender } from '../../ports';
import { isNonPublicAddress } from '../../policy/url-guard';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** How publicOnlyLookup's refusal begins, so a client can tell it from a network failure. */
export const NON_PUBLIC_REFUSAL = 'refusing non-public address';

/**
 * A DNS lookup that refuses non-public addresses, used at connect time so a host that changes its
 * DNS answer after validation (rebinding) still cannot reach an internal address.
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, []);
      return;
    }
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    if (bad) {
      callback(
        Object.assign(new Error(`${NON_PUBLIC_REFUSAL} ${bad.address}`), { code: 'EACCES' }),
        [],
      );
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
  });
}

/**
 * POSTs with node:http(s): redirects are never followed (a 3xx is a failed attempt), the timeout
 * aborts, and unless private hosts are allowed (local mode) every connection goes through
 * publicOnlyLookup.
 */
export function createHttpWebhookSender(
  opts: { allowPrivateHosts: boolean } = { allowPrivateHosts: false },
): WebhookSender {
  return {
    send(req) {
      return new Promise((resolve) => {
        const url = new URL(req.url);
        const literal = url.hostname.replace(/^\[|\]$/g, '');
        if (!opts.allowPrivateHosts && isIP(literal) && isNonPublicAddress(literal)) {
          resolve({ status: null, error: 'refused: non-public address' });
          return;
        }
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const r = send(
          url,
          {
            method: 'POST',
            headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
            timeout: req.timeoutMs,
            ...(opts.allowPrivateHosts ? {} : { lookup: publicOnlyLookup }),
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              resolve({ status: res.statusCode ?? null, error: null });
            });
            res.on('error', () => {
              resolve({ status: res.statusCode ?? null, error: null });
            });
          },
        );
        r.on('timeout', () => {
          r.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
        });
        r.on('error', (e: NodeJS.ErrnoException) => {
          resolve({
            status: null,
            error:
              e.code === 'ETIMEDOUT'
                ? 'timed out'
                : e.code === 'EACCES'
                  ? 'refused: non-public address'
                  : 'connection failed',
          });
        });
        r.end(req.body);
      });
    },
  };
}
