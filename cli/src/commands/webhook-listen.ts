import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@visgate/shared';
import { intFlag } from '../args';
import type { Ctx } from '../context';
import { usageError } from '../errors';

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(' ') : (v ?? '');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** One readable line about an event: its type and the deployment or job it concerns. */
function summarize(type: string, data: Record<string, unknown>): string {
  const subject = [data.job_id, data.deployment_id, data.status]
    .filter((v) => typeof v === 'string')
    .join(' ');
  const error = data.error as { code?: string } | null | undefined;
  return `${type}  ${subject}${error?.code ? `  ${error.code}` : ''}`;
}

/**
 * `visgate webhook listen [--port 9000] [--host 127.0.0.1] --secret whsec_… [--json]`: a local
 * receiver for trying webhooks. Verifies each Standard Webhooks signature (and timestamp) with the
 * secret, answers 204 or 401, and prints one line per request until interrupted.
 */
export async function webhookListen(ctx: Ctx): Promise<number> {
  const secret = ctx.flags.secret;
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) {
    throw usageError(
      '--secret whsec_… is required (the webhook_secret of your deployment)',
      'webhook listen',
    );
  }
  const port = intFlag(ctx.flags, 'port') ?? 9000;
  const host = typeof ctx.flags.host === 'string' ? ctx.flags.host : '127.0.0.1';
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const id = header(req, 'webhook-id');
      let verified = false;
      try {
        verified = await verifyWebhook(
          secret,
          {
            id,
            timestamp: header(req, 'webhook-timestamp'),
            signature: header(req, 'webhook-signature'),
          },
          body,
          Math.floor(Date.now() / 1000),
        );
      } catch {
        verified = false;
      }
      let event: { type?: string; data?: Record<string, unknown> } = {};
      try {
        event = JSON.parse(body) as typeof event;
      } catch {
        event = {};
      }
      res.writeHead(verified ? 204 : 401).end();
      const type = event.type ?? '(not JSON)';
      if (ctx.flags.json) {
        ctx.stdout.write(`${JSON.stringify({ verified, id, type, data: event.data ?? null })}\n`);
      } else if (verified) {
        ctx.stdout.write(`✓ ${summarize(type, event.data ?? {})}  (${id})\n`);
      } else {
        ctx.stdout.write(
          `✗ rejected ${req.method ?? ''} ${req.url ?? ''}: signature or timestamp invalid\n`,
        );
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  ctx.stderr.write(`listening on http://${host}:${address.port}/ (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
