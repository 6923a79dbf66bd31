import { buildEmbeddedSystem } from '../compose';
import { ConfigError, describeConfig, loadConfig } from '../config';
import { listen } from './server';

/**
 * `npm start`: the whole system in one process against the RunPod and Hugging Face base URLs from
 * config (the real services by default). RunPod workers must reach PUBLIC_BASE_URL for readiness
 * callbacks; without a public URL the poller's health probe job still detects readiness.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const system = buildEmbeddedSystem(config);
  system.startReaper();
  const { server, url } = await listen(system, config.HOST, config.PORT);
  system.deps.log.info('visgate local server listening', { url, config: describeConfig(config) });
  const stop = (): void => {
    system.close();
    server.close(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
