import { ConfigError, describeConfig, loadConfig, localServerEnv, type Config } from '../config';
import { buildEmbeddedSystem } from '../wiring/embedded';
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
 * callbacks; without a public URL the poller's health probe job still detects readiness.
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
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const local = await startLocalServer(config);
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

if (require.main === module) void main();
