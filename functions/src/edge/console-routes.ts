import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { Router, type Request, type Response } from 'express';
import type { ConsoleConfig } from '@visgate/shared';
import type { Config } from '../config';

/** One file as served: its bytes and precompressed variants (built by console/build.ts). */
interface Asset {
  type: string;
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

interface Bundle {
  index: Asset;
  assets: Map<string, Asset>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};
const ASSET_NAME = /^[A-Za-z0-9_-]+-[A-Za-z0-9]{8,}\.(js|css|svg)$/;
const CONFIG_SLOT = '<!--visgate-config-->';
const FIRESTORE_ORIGIN = 'https://firestore.googleapis.com';

export function consoleConfig(config: Config): ConsoleConfig {
  const { CONSOLE_FIREBASE_API_KEY: apiKey, CONSOLE_FIREBASE_APP_ID: appId } = config;
  if (config.MODE !== 'gcp' || !apiKey || !appId || !config.GCP_PROJECT_ID) return { live: 'sse' };
  return {
    live: 'firestore',
    firebase: {
      apiKey,
      appId,
      projectId: config.GCP_PROJECT_ID,
      databaseId: config.FIRESTORE_DATABASE,
      ...(config.FIRESTORE_EMULATOR_HOST ? { emulatorHost: config.FIRESTORE_EMULATOR_HOST } : {}),
    },
  };
}

/**
 * The console's Content-Security-Policy: only our own scripts and styles, no inline code, no
 * framing, no plugins; fetches go to our own origin (and Firestore, or its emulator, when it is the
 * live source).
 * Images and media may be data: URLs because the playground shows base64 job output (images, and
 * a video job's MP4 in a <video> element).
 */
export function consoleCsp(settings: ConsoleConfig): string {
  const firestore =
    settings.live !== 'firestore'
      ? ''
      : settings.firebase?.emulatorHost
        ? ` http://${settings.firebase.emulatorHost}`
        : ` ${FIRESTORE_ORIGIN}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' data:",
    `connect-src 'self'${firestore}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Where the built console is: CONSOLE_ASSETS_DIR, `console/` beside the function bundle, or the repo's `.build/console`. */
export function consoleAssetsDirs(config: Config): string[] {
  if (config.CONSOLE_ASSETS_DIR) return [config.CONSOLE_ASSETS_DIR];
  return [path.join(__dirname, 'console'), path.resolve(__dirname, '../../../.build/console')];
}

function withVariants(type: string, body: Buffer, dir: string, file: string): Asset {
  const read = (ext: string): Buffer | undefined => {
    const p = path.join(dir, file + ext);
    return existsSync(p) ? readFileSync(p) : undefined;
  };
  return { type, body, br: read('.br'), gzip: read('.gz') };
}

function loadBundle(dir: string, config: ConsoleConfig): Bundle | null {
  const indexPath = path.join(dir, 'index.html');
  const assetsDir = path.join(dir, 'assets');
  if (!existsSync(indexPath) || !existsSync(assetsDir)) return null;
  // `<` escaped so the JSON can never close the script element it sits in.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const html = Buffer.from(
    readFileSync(indexPath, 'utf8').replace(
      CONFIG_SLOT,
      `<script id="visgate-config" type="application/json">${json}</script>`,
    ),
  );
  const index: Asset = {
    type: TYPES['.html'] ?? '',
    body: html,
    br: brotliCompressSync(html),
    gzip: gzipSync(html, { level: 9 }),
  };
  const assets = new Map<string, Asset>();
  for (const file of readdirSync(assetsDir)) {
    if (!ASSET_NAME.test(file)) continue;
    const type = TYPES[path.extname(file)];
    if (type)
      assets.set(
        file,
        withVariants(type, readFileSync(path.join(assetsDir, file)), assetsDir, file),
      );
  }
  return { index, assets };
}

/** The codings an Accept-Encoding header allows (q > 0), lower-cased. */
export function acceptedEncodings(header: string): Set<string> {
  const out = new Set<string>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (name && (q === undefined || Number(q.slice(2)) > 0)) out.add(name);
  }
  return out;
}

function send(req: Request, res: Response, asset: Asset): void {
  const accepts = acceptedEncodings(req.get('accept-encoding') ?? '');
  const [encoding, body] =
    asset.br && accepts.has('br')
      ? ['br', asset.br]
      : asset.gzip && accepts.has('gzip')
        ? ['gzip', asset.gzip]
        : [null, asset.body];
  res.setHeader('Content-Type', asset.type);
  res.setHeader('Vary', 'Accept-Encoding');
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', String(body.length));
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The web console at `/`: index.html (never cached, the deploy's live-status config inlined) and
 * its fingerprinted, precompressed assets under `/assets/` (cached for a year). Only these routes
 * carry the console's security headers; the API's responses are untouched. The bundle is looked up
 * on first use (and again while it is missing), so a server started before `npm run build:console`
 * finishes serves it as soon as it exists.
 */
export function consoleRoutes(config: Config): Router {
  const router = Router();
  const settings = consoleConfig(config);
  const csp = consoleCsp(settings);
  let bundle: Bundle | null = null;
  const current = (): Bundle | null => {
    if (bundle) return bundle;
    for (const dir of consoleAssetsDirs(config)) {
      bundle = loadBundle(dir, settings);
      if (bundle) break;
    }
    return bundle;
  };
  const secure = (res: Response): void => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };

  router.get('/', (req, res) => {
    secure(res);
    const b = current();
    res.setHeader('Cache-Control', 'no-cache');
    if (!b) {
      res
        .status(503)
        .type('text/plain')
        .send('The web console is not built: run `npm run build:console`, then reload.\n');
      return;
    }
    send(req, res, b.index);
  });

  router.get('/assets/:name', (req, res, next) => {
    const asset = current()?.assets.get(req.params.name);
    if (!asset) {
      next();
      return;
    }
    secure(res);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    send(req, res, asset);
  });

  return router;
}
