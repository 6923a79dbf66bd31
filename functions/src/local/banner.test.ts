import { loadConfig } from '../config';
import { describeListenError, isLoopbackUrl } from './banner';
import { startBanner } from './start';

describe('the npm start banner', () => {
  it.each([
    ['http://127.0.0.1:8080', true],
    ['http://localhost:8080', true],
    ['http://[::1]:8080', true],
    ['http://0.0.0.0:8080', true],
    ['https://visgate.example.com', false],
    ['https://abc.trycloudflare.com', false],
    ['http://10.0.0.5:8080', false],
  ])('%s is loopback: %s', (url, loopback) => {
    expect(isLoopbackUrl(url)).toBe(loopback);
  });

  it('warns that RunPod workers cannot call back a loopback PUBLIC_BASE_URL, and says what to do', () => {
    const text = startBanner(loadConfig({}), 'http://127.0.0.1:8080');
    expect(text).toMatch(/^\s*API\s+http:\/\/127\.0\.0\.1:8080\s*$/m);
    expect(text).toMatch(/bill your RunPod account/);
    expect(text).toMatch(
      /warning: PUBLIC_BASE_URL is http:\/\/127\.0\.0\.1:8080, a loopback address/,
    );
    expect(text).toMatch(/Set PUBLIC_BASE_URL to a public https URL/);
    expect(text).toMatch(/memory only .* a restart forgets deployments that still bill/);
  });

  it('has no warning with a public callback URL, and names the state file', () => {
    const config = loadConfig({
      PUBLIC_BASE_URL: 'https://visgate.example.com',
      LOCAL_STATE_PATH: '.visgate/local.db',
    });
    const text = startBanner(config, 'http://127.0.0.1:8080');
    expect(text).not.toMatch(/warning/);
    expect(text).toMatch(/State\s+\.visgate\/local\.db \(kept across restarts\)/);
  });

  it('turns a taken port into one line that says what to do', () => {
    const taken = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(describeListenError(taken, '127.0.0.1', 8080)).toBe(
      'port 8080 on 127.0.0.1 is already in use (another visgate server?): stop it or set PORT, e.g. PORT=8081',
    );
    expect(describeListenError(new Error('other'), '127.0.0.1', 8080)).toBeNull();
  });
});
