import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWebhookReceiver, type WebhookReceiver } from '@visgate/sim';
import { createHttpWebhookSender } from './http-webhook-sender';

const post = { headers: { 'content-type': 'application/json' }, body: '{"a":1}', timeoutMs: 2000 };

describe('http webhook sender', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('delivers to a loopback receiver when private hosts are allowed and reports its status', async () => {
    receiver.respond = () => 202;
    const result = await createHttpWebhookSender({ allowPrivateHosts: true }).send({
      url: receiver.url,
      ...post,
    });
    expect(result).toEqual({ status: 202, error: null });
    expect(receiver.received[0]?.body).toBe('{"a":1}');
  });

  it('refuses to connect to loopback, by address or by a name resolving to it, in production mode', async () => {
    const sender = createHttpWebhookSender({ allowPrivateHosts: false });
    const byName = receiver.url.replace('127.0.0.1', 'localhost');
    expect(await sender.send({ url: receiver.url, ...post })).toEqual({
      status: null,
      error: 'refused: non-public address',
    });
    expect(await sender.send({ url: byName, ...post })).toEqual({
      status: null,
      error: 'refused: non-public address',
    });
    expect(receiver.received).toHaveLength(0);
  });

  it.each([
    '[64:ff9b::7f00:1]',
    '[::7f00:1]',
    '[::127.0.0.1]',
    '[2002:7f00:1::1]',
    '[::ffff:7f00:1]',
    '[fec0::1]',
    '192.0.0.170',
  ])('refuses at connect time the address form %s in production mode', async (host) => {
    const sender = createHttpWebhookSender({ allowPrivateHosts: false });
    const url = receiver.url.replace('127.0.0.1', host);
    expect(await sender.send({ url, ...post })).toEqual({
      status: null,
      error: 'refused: non-public address',
    });
    expect(receiver.received).toHaveLength(0);
  });

  it('does not follow a redirect, even to the metadata server', async () => {
    const redirector: Server = createServer((_req, res) => {
      res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data' }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`;
    const result = await createHttpWebhookSender({ allowPrivateHosts: true }).send({
      url,
      ...post,
    });
    expect(result).toEqual({ status: 302, error: null });
    await new Promise<void>((r) => {
      redirector.close(() => {
        r();
      });
    });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
    const result = await createHttpWebhookSender({ allowPrivateHosts: true }).send({
      url,
      ...post,
      timeoutMs: 100,
    });
    expect(result).toEqual({ status: null, error: 'timed out' });
    silent.closeAllConnections();
    await new Promise<void>((r) => {
      silent.close(() => {
        r();
      });
    });
  });
});
