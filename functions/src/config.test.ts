import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ConfigSchema, PLACEHOLDER_WORKER_IMAGE, loadConfig } from './config';
import { secretNeedsOf } from './entry/manifest';

const gcp = (env: Record<string, string> = {}) => ({
  MODE: 'gcp',
  GCP_PROJECT_ID: 'demo-proj',
  SECRETS_KEY: randomBytes(32).toString('base64'),
  OWNER_PEPPER: randomBytes(24).toString('base64'),
  WORKER_IMAGE: 'us-central1-docker.pkg.dev/demo-proj/visgate/worker:abc',
  ...env,
});

describe('loadConfig in gcp mode', () => {
  it('refuses the placeholder worker image at startup, naming the fix', () => {
    const { WORKER_IMAGE: _unset, ...env } = gcp();
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/WORKER_IMAGE is the placeholder.*--worker-image/);
    expect(() => loadConfig({ ...env, WORKER_IMAGE: PLACEHOLDER_WORKER_IMAGE })).toThrow(
      /placeholder/,
    );
    expect(loadConfig(gcp()).WORKER_IMAGE).toBe(
      'us-central1-docker.pkg.dev/demo-proj/visgate/worker:abc',
    );
  });

  it('asks a function only for the secrets the manifest mounts on it', () => {
    const { OWNER_PEPPER: _none, ...env } = gcp();
    expect(() => loadConfig(env)).toThrow(/OWNER_PEPPER is required/);
    expect(() => loadConfig(env, undefined, secretNeedsOf('api'))).toThrow(/OWNER_PEPPER/);
    const validate = loadConfig(env, undefined, secretNeedsOf('validate'));
    // Never a random stand-in: owner hashes would silently stop matching across functions.
    expect(() => validate.secrets.ownerPepper).toThrow(/not mounted on this function/);
  });

  it('does not ask for the shared cache key pair where the cache is not used', () => {
    const env = gcp({ SHARED_CACHE_S3_URL: 's3://visgate-models/models' });
    expect(() => loadConfig(env, undefined, secretNeedsOf('cacheFill'))).toThrow(
      /SHARED_CACHE_ACCESS_KEY_ID/,
    );
    const poll = loadConfig(env, undefined, secretNeedsOf('poll'));
    expect(poll.secrets.sharedCache).toBeNull();
  });
});

describe('WORKER_MIN_CUDA_VERSION', () => {
  it('defaults to the CUDA build of the worker image we ship (worker/Dockerfile), so RunPod never places it on an older driver', () => {
    const dockerfile = readFileSync(join(__dirname, '../../worker/Dockerfile'), 'utf8');
    const cuda = /^ARG CUDA_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    expect(cuda).toMatch(/^\d+\.\d+$/);
    expect(loadConfig({}).WORKER_MIN_CUDA_VERSION).toBe(cuda);
  });

  it('takes major.minor or empty (no floor), and refuses anything else', () => {
    expect(loadConfig({ WORKER_MIN_CUDA_VERSION: '12.4' }).WORKER_MIN_CUDA_VERSION).toBe('12.4');
    expect(loadConfig({ WORKER_MIN_CUDA_VERSION: '' }).WORKER_MIN_CUDA_VERSION).toBe('');
    expect(() => loadConfig({ WORKER_MIN_CUDA_VERSION: '12' })).toThrow(ConfigError);
  });
});

describe('the configuration loadConfig returns', () => {
  // Built once at the composition root and shared by every step, route and adapter: a write in one
  // would silently change what the others read, so any write throws (test files are strict mode).
  const config = loadConfig({
    SHARED_CACHE_S3_URL: 's3://visgate-models/models',
    SHARED_CACHE_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    SHARED_CACHE_SECRET_ACCESS_KEY: 'secret',
    SHARED_CACHE_ALLOWED_MODELS: 'org/*',
  });
  type Writable = Record<string, unknown>;
  const sharedCache = config.secrets.sharedCache as unknown as Writable;
  it.each([
    ['a setting', config as unknown as Writable, 'PUBLIC_BASE_URL'],
    ['a secret', config.secrets as unknown as Writable, 'ownerPepper'],
    ['the shared cache key pair', sharedCache, 'secretAccessKey'],
    ['a list setting', config.WEBHOOK_RETRY_SCHEDULE_S as unknown as Writable, '0'],
    ['an allow-list', config.SHARED_CACHE_ALLOWED_MODELS as unknown as Writable, '0'],
  ])('refuses a write to %s and keeps its value', (_what, target, key) => {
    const before = target[key];
    expect(() => {
      target[key] = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      Object.assign(target, { [key]: 'changed' });
    }).toThrow(TypeError);
    expect(target[key]).toBe(before);
  });

  it('refuses growing a list setting', () => {
    expect(() => (config.WEBHOOK_RETRY_SCHEDULE_S as number[]).push(1)).toThrow(TypeError);
  });
});

describe('docs/configuration.md', () => {
  it('documents every configuration variable the server reads', () => {
    const doc = readFileSync(join(__dirname, '../../docs/configuration.md'), 'utf8');
    const missing = Object.keys(ConfigSchema.shape).filter((k) => !doc.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });
});
