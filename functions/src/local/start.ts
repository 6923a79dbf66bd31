import { ConfigError, describeConfig, loadConfig, localServerEnv, type Config } from '../config';
import { buildEmbeddedSystem } from '../wiring/embedded';
import { describeListenError, formatBanner, isLoopbackUrl } from './banner';
import { withLocalKeys } from './local-keys';
import { listen } from './server';

/**
 * The whole system in one process, serving the API on HOST:PORT with the reaper on its timer:
 * what `npm start` runs (and what wiring tests load to prove local mode needs no Google SDK).
 */
export async function startLocalServer(config: Config) {
  const system = buildEmbeddedSystem(config);
  system.startReaper();
  const { server, url } = await listen(system, config.HOST, config.PORT);
  return {
    system,
    server,
    url,
    close(onClosed?: () => void): void {
      system.close();
      server.close(onClosed);
    },
  };
}

/**
 * `npm start`: the whole system in one process against the RunPod and Hugging Face base URLs from
 * config (the real services by default). RunPod workers must reach PUBLIC_BASE_URL for readiness
 * callbacks; without a public URL the poller's health probe job still detects readiness, and the
 * banner says so.
 *
 * It remembers: deployments, sealed secrets and scheduled work live in LOCAL_STATE_PATH
 * (`.visgate/local.db` unless set; empty for memory only), with the pepper and key beside it, so a
 * restart neither forgets an endpoint that is billing nor loses a poll or webhook retry.
 */
async function main(): Promise<void> {
  let config;
  try {
    const env = localServerEnv();
    config = loadConfig(env.LOCAL_STATE_PATH ? withLocalKeys(env, env.LOCAL_STATE_PATH) : env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`visgate: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  let local;
  try {
    local = await startLocalServer(config);
  } catch (e) {
    const line = describeListenError(e, config.HOST, config.PORT);
    if (!line) throw e;
    console.error(`visgate: ${line}`);
    process.exit(2);
  }
  process.stdout.write(startBanner(config, local.url));
  local.system.deps.log.info('visgate local server listening', {
    url: local.url,
    config: describeConfig(config),
  });
  const stop = (): void => {
    local.close(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** What `npm start` is connected to, and the warning a loopback callback URL deserves. */
export function startBanner(config: Config, url: string): string {
  const warnings: string[] = [];
  if (isLoopbackUrl(config.PUBLIC_BASE_URL)) {
    warnings.push(
      `PUBLIC_BASE_URL is ${config.PUBLIC_BASE_URL}, a loopback address RunPod's workers cannot reach: readiness then waits for a health-probe job (slower, and billed as a short job). Set PUBLIC_BASE_URL to a public https URL that reaches this server (a tunnel or a proxy).`,
    );
  }
  return formatBanner({
    title:
      'visgate local server — real RunPod and Hugging Face (deployments bill your RunPod account)',
    rows: [
      ['API', url],
      ['RunPod', `${config.RUNPOD_API_URL} (management), ${config.RUNPOD_ENDPOINT_URL} (jobs)`],
      ['Hub', config.HF_HUB_URL],
      ['Callbacks', config.PUBLIC_BASE_URL],
      [
        'State',
        config.LOCAL_STATE_PATH
          ? `${config.LOCAL_STATE_PATH} (kept across restarts)`
          : 'memory only (LOCAL_STATE_PATH is empty): a restart forgets deployments that still bill',
      ],
    ],
    warnings,
    next: [
      `export VISGATE_API_URL=${url}   # then: visgate login, visgate deploy <model> --wait`,
      'Ctrl-C stops the server; deployments stay on RunPod and are picked up at the next start.',
    ],
  });
}

if (require.main === module) void main();
