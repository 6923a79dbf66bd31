/**
 * `npm run bench:load`: 1,000 concurrent POST /v1/deployments against the embedded system (RunPod
 * and Hub simulators on loopback, zero latency). Every request carries its own Idempotency-Key and
 * is sent twice, so the table also shows that a retried request never creates a second document.
 */
import { percentile, runLoad } from '@visgate/sim';

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 1000);
  const r = await runLoad(requests);
  console.log(
    `\n${requests} concurrent POST /v1/deployments (each also retried once with the same Idempotency-Key), node ${process.version}`,
  );
  console.log(
    `wall ${r.wallS.toFixed(1)} s; accepted ${r.accepted}, replayed ${r.replayed}, other answers ${JSON.stringify(r.otherStatuses)}`,
  );
  console.log(
    `documents stored ${r.documents} (expected ${requests}); duplicate ids among first answers ${r.duplicateIds}; replays pointing elsewhere ${r.mismatchedReplays}\n`,
  );
  console.log('| measure | p50 | p99 | max |');
  console.log('|---|---|---|---|');
  console.log(
    `| POST latency, first request (ms) | ${percentile(r.latenciesMs, 50).toFixed(1)} | ${percentile(r.latenciesMs, 99).toFixed(1)} | ${Math.max(...r.latenciesMs).toFixed(1)} |`,
  );
  console.log(
    `| POST latency, retried request (ms) | ${percentile(r.replayLatenciesMs, 50).toFixed(1)} | ${percentile(r.replayLatenciesMs, 99).toFixed(1)} | ${Math.max(...r.replayLatenciesMs).toFixed(1)} |`,
  );
}

void main();
