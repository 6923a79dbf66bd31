import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../../../infra/build-functions';

/**
 * Each mode carries only its own adapters: the deployed bundle holds no embedded adapter (dead
 * weight and a second, untested store in production), and a local run loads no Google SDK (so
 * `npm start` needs no credentials and starts fast). Both follow from the import graph, which a
 * stray import in any file can change, so the graph itself is what these tests read.
 */

const root = path.resolve(__dirname, '../../..');
jest.setTimeout(60_000);

describe('the deployed bundle (built as infra/build-functions.ts builds it)', () => {
  it('contains no embedded adapter and no local-mode code', async () => {
    const result = await build({
      ...bundleOptions(root, path.join(root, '.build/never-written')),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    // The entry is really in the graph: an empty or wrong build must not pass.
    expect(inputs).toContain('functions/src/entry/index.ts');
    expect(inputs).toContain('functions/src/wiring/step-table.ts');
    expect(inputs).toContain('functions/src/adapters/gcp/firestore-deployment-store.ts');
    expect(
      inputs.filter((p) =>
        /^functions\/src\/(adapters\/embedded|local)\/|^functions\/src\/wiring\/embedded\.ts$/.test(
          p,
        ),
      ),
    ).toEqual([]);
  });
});

/** Google SDKs and the libraries only they bring (gRPC, google-gax, the auth library). */
const GOOGLE_SDK =
  /node_modules\/(@google-cloud\/|firebase-admin\/|google-gax\/|google-auth-library\/|@grpc\/grpc-js\/)/;

/**
 * Loads `script` in a fresh Node process (TypeScript through tsx, as `npm start` runs) and returns
 * every module file it loaded that belongs to a Google SDK.
 */
function googleModulesLoadedBy(script: string): string[] {
  const probe = `
    (async () => {
      ${script}
      const loaded = Object.keys(require.cache).filter((p) => ${GOOGLE_SDK.toString()}.test(p.split(require('node:path').sep).join('/')));
      process.stdout.write(JSON.stringify(loaded));
    })().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
  `;
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', probe], {
    cwd: root,
    encoding: 'utf8',
    env: {}, // config comes from the script, never from this machine's environment
  });
  if (r.status !== 0) throw new Error(`probe failed (${String(r.status)}): ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

const config = `require('./functions/src/config').loadConfig({ LOG_LEVEL: 'silent', PORT: '0' })`;

describe('a local run', () => {
  it.each([
    [
      'the embedded wiring, built and closed',
      `const { buildEmbeddedSystem } = require('./functions/src/wiring/embedded');
       buildEmbeddedSystem(${config}).close();`,
    ],
    [
      'the npm start server, listening and closed',
      `const { startLocalServer } = require('./functions/src/local/start');
       const local = await startLocalServer(${config});
       await fetch(local.url + '/health');
       await new Promise((resolve) => local.close(resolve));`,
    ],
    [
      "the functions workspace's public surface (what @visgate/sim loads)",
      `require('./functions/src/index');`,
    ],
  ])('loads no Google SDK: %s', (_what, script) => {
    expect(googleModulesLoadedBy(script)).toEqual([]);
  });

  it('is told apart from GCP mode by the probe (which sees the Google SDKs there)', () => {
    const loaded = googleModulesLoadedBy(`require('./functions/src/wiring/gcp');`);
    expect(loaded.some((p) => p.includes('/@google-cloud/firestore/'))).toBe(true);
  });
});
