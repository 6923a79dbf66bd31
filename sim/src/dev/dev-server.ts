import {
  bindServer,
  buildEmbeddedSystem,
  loadConfig,
  withLocalKeys,
  type Config,
  type EmbeddedSystem,
  type Logger,
} from '@visgate/functions';
import { FIXTURES, startHfSim, type HfSim } from '../hf-sim';
import { startRunPodSim, type RunPodSim } from '../runpod-sim';
import { scaledServerEnv, scaledSimTimings } from './dev-timings';

/** The Hub simulator's token with access to every gated and private repo it serves. */
export const DEV_HF_TOKEN = 'hf_visgate_dev_token_with_access';

export interface DevServer {
  url: string;
  config: Config;
  system: EmbeddedSystem;
  runpod: RunPodSim;
  hub: HfSim;
  close(): Promise<void>;
}

/**
 * `npm run dev` in-process: the local server (embedded stores, remembering in LOCAL_STATE_PATH)
 * on the RunPod and Hub simulators. Any well-formed RunPod key is a simulated account of its own;
 * the simulated RunPod keeps its accounts beside the database, so a restart in the middle of a
 * deployment carries on where it stopped. `timeScale` shortens every wait (tests); 1 is realistic.
 */
export async function startDevServer(opts: {
  env: Record<string, string | undefined>;
  statePath: string;
  timeScale: number;
  log?: Logger;
}): Promise<DevServer> {
  const { env, statePath, timeScale } = opts;
  const host = env.HOST ?? '127.0.0.1';
  const port = env.PORT === undefined ? 8080 : Number(env.PORT);
  // Bind first: a port conflict fails before anything starts, and PORT=0 gets its real URL.
  const bound = await bindServer(host, port);
  const runpod = await startRunPodSim({
    ...scaledSimTimings(timeScale),
    acceptAnyKey: true,
    stateFile: statePath ? `${statePath}.runpod-sim.json` : null,
  });
  const hub = await startHfSim();
  hub.addToken(DEV_HF_TOKEN, {
    canAccessGated: hubRepoIds('gated'),
    canSeePrivate: hubRepoIds('private'),
  });
  try {
    const serverEnv: Record<string, string | undefined> = {
      ...scaledServerEnv(timeScale, env),
      ...env,
      HOST: host,
      PORT: String(port),
      RUNPOD_API_URL: runpod.url,
      RUNPOD_ENDPOINT_URL: runpod.url,
      HF_HUB_URL: hub.url,
      PUBLIC_BASE_URL: bound.url,
      LOCAL_STATE_PATH: statePath,
      // The simulated Hub's files are not the real weights, so their oids are not theirs.
      CACHE_VERIFY_LFS_OID: 'false',
    };
    const config = loadConfig(statePath ? withLocalKeys(serverEnv, statePath) : serverEnv);
    const system = buildEmbeddedSystem(config, opts.log ? { log: opts.log } : {});
    system.startReaper();
    bound.serve(system);
    return {
      url: bound.url,
      config,
      system,
      runpod,
      hub,
      async close() {
        system.close();
        bound.server.closeAllConnections();
        await new Promise((resolve) => bound.server.close(resolve));
        await Promise.all([runpod.close(), hub.close()]);
      },
    };
  } catch (e) {
    bound.server.close();
    await Promise.all([runpod.close(), hub.close()]);
    throw e;
  }
}

/** The served repos that need a token: gated ones (a licence to accept) or private ones. */
function hubRepoIds(kind: 'gated' | 'private'): string[] {
  return FIXTURES.filter((f) => (kind === 'gated' ? f.gated : f.private)).map((f) => f.id);
}
