import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, removeSavedConfig, writeSavedConfig } from './config-file';
import { DEFAULT_API_URL, resolveConfig } from './config';

describe('resolveConfig', () => {
  const home = mkdtempSync(join(tmpdir(), 'visgate-config-'));
  const env = { XDG_CONFIG_HOME: home };
  writeSavedConfig(configPath(env), { api_key: 'rpa_FROMFILE01', api_url: 'http://saved.example' });

  it.each([
    [
      '--key wins over everything',
      { key: 'rpa_FLAG' },
      { RUNPOD_API_KEY: 'rpa_ENV' },
      'rpa_FLAG',
      '--key',
    ],
    ['then RUNPOD_API_KEY', {}, { RUNPOD_API_KEY: 'rpa_ENV' }, 'rpa_ENV', 'RUNPOD_API_KEY'],
    ['then the saved key', {}, {}, 'rpa_FROMFILE01', 'config file'],
    [
      'a blank env var counts as unset',
      {},
      { RUNPOD_API_KEY: ' ' },
      'rpa_FROMFILE01',
      'config file',
    ],
  ])('%s', (_what, flags, extraEnv, key, source) => {
    expect(resolveConfig(flags, { ...env, ...extraEnv })).toMatchObject({
      apiKey: key,
      keySource: source,
    });
  });

  it.each([
    [
      '--api first (trailing slash trimmed)',
      { api: 'http://a.example/' },
      { VISGATE_API_URL: 'http://b.example' },
      'http://a.example',
    ],
    ['then VISGATE_API_URL', {}, { VISGATE_API_URL: 'http://b.example' }, 'http://b.example'],
    ['then the URL saved by login', {}, {}, 'http://saved.example'],
  ])('API URL: %s', (_what, flags, extraEnv, url) => {
    expect(resolveConfig(flags, { ...env, ...extraEnv }).apiUrl).toBe(url);
  });

  it('falls back to the local server and no key when nothing is configured', () => {
    const c = resolveConfig({}, { XDG_CONFIG_HOME: join(home, 'none'), VISGATE_SSE: '0' });
    expect(c).toMatchObject({
      apiUrl: DEFAULT_API_URL,
      apiKey: null,
      keySource: null,
      sse: false,
      pollMs: 1000,
    });
  });

  it('takes HF_TOKEN for deploy and estimate', () => {
    expect(resolveConfig({}, { ...env, HF_TOKEN: 'hf_abc' }).hfToken).toBe('hf_abc');
  });
});

describe('the config file', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/visgate/config.json');
    expect(configPath({ HOME: '/home/u' })).toBe('/home/u/.config/visgate/config.json');
  });

  it('is written owner-only (0600 in a 0700 directory), even over looser existing ones', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'visgate-perm-')), 'visgate');
    mkdirSync(dir, { mode: 0o755 });
    const path = join(dir, 'config.json');
    writeFileSync(path, '{}', { mode: 0o644 });
    writeSavedConfig(path, { api_key: 'rpa_X' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ api_key: 'rpa_X' });
    expect(removeSavedConfig(path)).toBe(true);
    expect(removeSavedConfig(path)).toBe(false);
  });

  it('that is not JSON is reported with what to do', () => {
    const xdg = mkdtempSync(join(tmpdir(), 'visgate-bad-'));
    mkdirSync(join(xdg, 'visgate'));
    writeFileSync(join(xdg, 'visgate', 'config.json'), 'not json');
    expect(() => resolveConfig({}, { XDG_CONFIG_HOME: xdg })).toThrow(
      /is not valid JSON; fix it or run visgate logout/,
    );
  });
});
