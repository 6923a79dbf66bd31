import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook, verifyWebhook, webhookMessageId } from './sign-webhook';

const secret = newWebhookSecret(new Uint8Array(32).map((_, i) => (i * 37 + 11) % 256));
const otherSecret = newWebhookSecret(new Uint8Array(32).fill(7));
const body = JSON.stringify({
  type: 'deployment.ready',
  timestamp: '2026-11-27T12:00:00Z',
  data: { deployment_id: 'dpl_x' },
});
const msgId = 'msg_dpl_x_ready';
// The reference library checks timestamps against the real clock, so its cases use the current time.
const nowS = Math.floor(new Date().getTime() / 1000);

async function headersFor(s: string, ts = nowS, payload = body) {
  return { id: msgId, timestamp: String(ts), signature: await signWebhook(s, msgId, ts, payload) };
}

describe('newWebhookSecret', () => {
  it('serializes the random bytes as whsec_ and base64', () => {
    expect(newWebhookSecret(new Uint8Array(24))).toBe(`whsec_${'A'.repeat(32)}`);
  });

  it.each([23, 65])('refuses %d random bytes', (n) => {
    expect(() => newWebhookSecret(new Uint8Array(n))).toThrow(RangeError);
  });
});

describe('signWebhook', () => {
  it('produces a signature the standardwebhooks library accepts', async () => {
    const h = await headersFor(secret);
    const verified = new Webhook(secret).verify(body, {
      'webhook-id': h.id,
      'webhook-timestamp': h.timestamp,
      'webhook-signature': h.signature,
    });
    expect(verified).toEqual(JSON.parse(body));
  });

  it('matches the library’s signature byte for byte', async () => {
    const expected = new Webhook(secret).sign(msgId, new Date(nowS * 1000), body);
    expect(await signWebhook(secret, msgId, nowS, body)).toBe(expected);
  });

  it('throws for a secret that is not base64', async () => {
    await expect(signWebhook('whsec_***', msgId, nowS, body)).rejects.toThrow(/base64/);
  });
});

describe('verifyWebhook', () => {
  it('accepts a signature made by the standardwebhooks library', async () => {
    const signature = new Webhook(secret).sign(msgId, new Date(nowS * 1000), body);
    const headers = { id: msgId, timestamp: String(nowS), signature };
    expect(await verifyWebhook(secret, headers, body, nowS)).toBe(true);
  });

  it('accepts when any of several space-separated signatures matches (key rotation)', async () => {
    const h = await headersFor(secret);
    const old = await signWebhook(otherSecret, msgId, nowS, body);
    const signature = `v1a,ignored ${old} ${h.signature}`;
    expect(await verifyWebhook(secret, { ...h, signature }, body, nowS)).toBe(true);
  });

  it.each([
    ['a tampered body', async () => [await headersFor(secret), `${body} `, nowS] as const],
    ['a wrong secret', async () => [await headersFor(otherSecret), body, nowS] as const],
    [
      'a timestamp 301 s old',
      async () => [await headersFor(secret, nowS - 301), body, nowS] as const,
    ],
    [
      'a timestamp 301 s ahead',
      async () => [await headersFor(secret, nowS + 301), body, nowS] as const,
    ],
    [
      'a non-numeric timestamp',
      async () => [{ ...(await headersFor(secret)), timestamp: 'soon' }, body, nowS] as const,
    ],
    [
      'a signature that is not base64',
      async () => [{ ...(await headersFor(secret)), signature: 'v1,@@@' }, body, nowS] as const,
    ],
    [
      'an unknown signature version',
      async () => {
        const h = await headersFor(secret);
        return [{ ...h, signature: h.signature.replace('v1,', 'v2,') }, body, nowS] as const;
      },
    ],
  ])('rejects %s', async (_case, make) => {
    const [headers, payload, now] = await make();
    expect(await verifyWebhook(secret, headers, payload, now)).toBe(false);
  });

  it('accepts a timestamp exactly at the tolerance and honours a custom tolerance', async () => {
    const h = await headersFor(secret, nowS - 300);
    expect(await verifyWebhook(secret, h, body, nowS)).toBe(true);
    expect(await verifyWebhook(secret, h, body, nowS, 60)).toBe(false);
  });
});

describe('webhookMessageId', () => {
  it.each([
    ['deployment.ready', 'msg_dpl_abc_ready'],
    ['deployment.failed', 'msg_dpl_abc_failed'],
    ['deployment.deleted', 'msg_dpl_abc_deleted'],
  ] as const)('names %s of dpl_abc %s, without dots', (event, id) => {
    expect(webhookMessageId('dpl_abc', event)).toBe(id);
    expect(webhookMessageId('dpl_abc', event)).not.toContain('.');
  });

  it('throws for a deployment id containing a dot', () => {
    expect(() => webhookMessageId('dpl.x', 'deployment.ready')).toThrow();
  });
});
