import { DEFAULT_API_URL, resolveConfig } from './config';

describe('resolveConfig', () => {
  it('prefers flags over the environment and trims trailing slashes', () => {
    const c = resolveConfig(
      { api: 'http://a.example/', key: 'flag-key' },
      { VISGATE_API_URL: 'http://b.example', RUNPOD_API_KEY: 'env-key' },
    );
    expect(c).toMatchObject({ apiUrl: 'http://a.example', apiKey: 'flag-key', sse: true });
  });

  it('falls back to the local server and treats an empty key as none', () => {
    const c = resolveConfig({}, { RUNPOD_API_KEY: ' ', VISGATE_SSE: '0' });
    expect(c).toMatchObject({ apiUrl: DEFAULT_API_URL, apiKey: null, sse: false, pollMs: 1000 });
  });
});
