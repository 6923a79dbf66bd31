/**
 * `npm run chaos [-- --seed N --deployments N --fault-rate 0.2]`: the chaos run, printed as a table
 * with each goal. Exit code 1 when a goal is missed (so it can gate a release), never a test.
 */
import { runChaos, type ChaosOptions } from '@visgate/sim';

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const options: Partial<ChaosOptions> = {};
  const seed = arg('seed');
  const deployments = arg('deployments');
  const rate = arg('fault-rate');
  if (seed !== undefined) options.seed = seed;
  if (deployments !== undefined) options.deployments = deployments;
  if (rate !== undefined) options.faultRate = rate;
  const r = await runChaos(options);
  const pct = (n: number, d: number): string => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`;
  const rows: [string, string, string, boolean][] = [
    [
      'deployments reaching a terminal state',
      `${r.terminal}/${r.deployments} (${pct(r.terminal, r.deployments)})`,
      '100 %',
      r.terminal === r.deployments,
    ],
    ['duplicate RunPod endpoints', String(r.duplicateEndpoints), '0', r.duplicateEndpoints === 0],
    [
      'orphaned endpoints/templates after one reaper cycle',
      `${r.orphansAtEnd} (before the cycle: ${r.orphansBeforeReaper}, of which ${r.orphansPlanted} planted)`,
      '0',
      r.orphansAtEnd === 0,
    ],
    ['webhooks lost', `${r.webhooksLost} of ${r.webhooksExpected}`, '0', r.webhooksLost === 0],
    [
      'events delivered under more than one webhook-id',
      String(r.webhooksMultipleIds),
      '0',
      r.webhooksMultipleIds === 0,
    ],
  ];
  console.log(
    `\nchaos run: seed ${r.options.seed}, ${r.deployments} deployments (${Math.round(r.options.deleteShare * 100)} % deleted at random moments), ${r.options.accounts} RunPod accounts`,
  );
  console.log(
    `simulated ${(r.simulatedS / 3600).toFixed(1)} h in ${r.wallS.toFixed(1)} s; ${r.outboundCalls} outbound RunPod/Hub calls, faults injected: ${JSON.stringify(r.faults)} = ${(100 * r.faultShare).toFixed(1)} % of calls`,
  );
  console.log(
    `every bus message and task delivered twice with up to 2 s (simulated) of jitter; webhook receiver answering 503 to ${Math.round(r.options.receiverFailRate * 100)} % of requests; POST/DELETE retries by the client: ${r.postRetries}`,
  );
  console.log(
    `final statuses ${JSON.stringify(r.byStatus)}; failure codes ${JSON.stringify(r.byError)}; webhook requests received ${r.webhookAttemptsReceived}\n`,
  );
  console.log('| measure | result | goal | met |');
  console.log('|---|---|---|---|');
  for (const [name, value, goal, met] of rows)
    console.log(`| ${name} | ${value} | ${goal} | ${met ? 'yes' : 'NO'} |`);
  if (rows.some((row) => !row[3])) process.exitCode = 1;
}

void main();
