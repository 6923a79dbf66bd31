import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { createMemoryLogger } from '../adapters/log/json-logger';
import { loadConfig } from '../config';
import { buildEmbeddedSystem } from '../wiring/embedded';
import { createApp } from './app';
import { acceptedEncodings, consoleConfig, consoleCsp } from './console-routes';

const SCRIPT = 'main-ABCD1234.js';
const JS = 'console.log("console")';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'console-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(
    path.join(dir, 'index.html'),
    `<html><head><!--visgate-config--><script type="module" src="/assets/${SCRIPT}"></script></head></html>`,
  );
  writeFileSync(path.join(dir, 'assets', SCRIPT), JS);
  writeFileSync(path.join(dir, 'assets', `${SCRIPT}.gz`), gzipSync(JS));
  writeFileSync(path.join(dir, 'assets', 'notes.txt'), 'not an asset');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const appWith = (env: Record<string, string>) => {
  const sys = buildEmbeddedSystem(loadConfig({ LOG_LEVEL: 'silent', ...env }), {
    log: createMemoryLogger('silent'),
  });
  return {
    app: createApp(sys.deps),
    close: () => {
      sys.close();
    },
  };
};

describe('the web console routes', () => {
  it('serve index.html at / with the CSP, no caching, and the live-status config inlined', async () => {
    const { app, close } = appWith({ CONSOLE_ASSETS_DIR: dir });
    const res = await request(app).get('/').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(consoleCsp({ live: 'sse' }));
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toContain(
      '<script id="visgate-config" type="application/json">{"live":"sse"}</script>',
    );
    close();
  });

  it('allow data: URLs for images and media (the playground shows base64 output) and nothing else', () => {
    const directives = consoleCsp({ live: 'sse' }).split('; ');
    expect(directives).toContain("img-src 'self' data:");
    expect(directives).toContain("media-src 'self' data:");
    expect(directives.filter((d) => d.includes('data:'))).toHaveLength(2);
    expect(directives).toContain("default-src 'none'");
  });

  it('serve fingerprinted assets immutable, gzipped when the client accepts it', async () => {
    const { app, close } = appWith({ CONSOLE_ASSETS_DIR: dir });
    const gz = await request(app)
      .get(`/assets/${SCRIPT}`)
      .set('Accept-Encoding', 'br;q=0, gzip')
      .expect(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-length']).toBe(String(gzipSync(JS).length));
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gz.text).toBe(JS);
    const plain = await request(app).get(`/assets/${SCRIPT}`).set('Accept-Encoding', 'identity');
    expect([plain.headers['content-encoding'], plain.text]).toEqual([undefined, JS]);
    close();
  });

  it('answer 404 problem+json for anything under /assets/ that is not a built asset', async () => {
    const { app, close } = appWith({ CONSOLE_ASSETS_DIR: dir });
    for (const p of ['/assets/notes.txt', '/assets/main-ZZZZ9999.js', '/assets/..%2Findex.html']) {
      const res = await request(app).get(p);
      expect([p, res.status, res.headers['content-type']]).toEqual([
        p,
        404,
        'application/problem+json; charset=utf-8',
      ]);
    }
    close();
  });

  it('leave API responses without the console headers, /openapi.json included', async () => {
    const { app, close } = appWith({ CONSOLE_ASSETS_DIR: dir });
    for (const p of ['/openapi.json', '/health', '/v1/models', '/v1/deployments']) {
      const res = await request(app).get(p);
      expect([p, res.headers['content-security-policy']]).toEqual([p, undefined]);
    }
    close();
  });

  it('say how to build the console when it is missing', async () => {
    const { app, close } = appWith({ CONSOLE_ASSETS_DIR: path.join(dir, 'nothing-here') });
    const res = await request(app).get('/').expect(503);
    expect(res.text).toContain('npm run build:console');
    close();
  });
});

describe('the console live-status source', () => {
  const gcp = {
    MODE: 'gcp',
    GCP_PROJECT_ID: 'demo-project',
    CONSOLE_FIREBASE_API_KEY: 'AIzaSyA-abcdefghijklmnopqrstuvwxyz012',
    CONSOLE_FIREBASE_APP_ID: '1:1234567890:web:abcdef0123',
  };
  const cases: [string, string, Record<string, string>][] = [
    ['local mode', 'sse', {}],
    ['gcp without a Firebase web app', 'sse', { ...gcp, CONSOLE_FIREBASE_APP_ID: '' }],
    ['gcp with a Firebase web app', 'firestore', gcp],
  ];
  it.each(cases)('%s: %s', (_what, live, env) => {
    const c = consoleConfig({
      MODE: env.MODE === 'gcp' ? 'gcp' : 'local',
      GCP_PROJECT_ID: env.GCP_PROJECT_ID,
      FIRESTORE_DATABASE: '(default)',
      CONSOLE_FIREBASE_API_KEY: env.CONSOLE_FIREBASE_API_KEY || undefined,
      CONSOLE_FIREBASE_APP_ID: env.CONSOLE_FIREBASE_APP_ID || undefined,
    } as Parameters<typeof consoleConfig>[0]);
    expect(c.live).toBe(live);
    expect(consoleCsp(c).includes('https://firestore.googleapis.com')).toBe(live === 'firestore');
    expect(c.firebase?.emulatorHost).toBeUndefined();
  });
  it("on Google's Firestore emulator, the page connects to the emulator and nowhere else", () => {
    const c = consoleConfig({
      MODE: 'gcp',
      GCP_PROJECT_ID: 'demo-project',
      FIRESTORE_DATABASE: '(default)',
      FIRESTORE_EMULATOR_HOST: '127.0.0.1:8085',
      CONSOLE_FIREBASE_API_KEY: gcp.CONSOLE_FIREBASE_API_KEY,
      CONSOLE_FIREBASE_APP_ID: gcp.CONSOLE_FIREBASE_APP_ID,
    } as Parameters<typeof consoleConfig>[0]);
    expect(c.firebase?.emulatorHost).toBe('127.0.0.1:8085');
    expect(consoleCsp(c)).toContain("connect-src 'self' http://127.0.0.1:8085;");
    expect(consoleCsp(c)).not.toContain('firestore.googleapis.com');
  });
});

describe('acceptedEncodings', () => {
  it.each([
    ['gzip, deflate, br', ['gzip', 'deflate', 'br']],
    ['br;q=0, gzip', ['gzip']],
    ['GZIP;q=0.5', ['gzip']],
    ['', []],
    ['identity', ['identity']],
  ])('%s', (header, codings) => {
    expect([...acceptedEncodings(header)]).toEqual(codings);
  });
});
