/**
 * `npm run bench:cli`: wall time of `visgate --version` as installed — the bundle `npm run build -w
 * cli` makes (cli/dist/visgate.js, plain JavaScript, no TypeScript compile at start), run with
 * `node` as its shebang does. Goal: p50 ≤ 150 ms. For comparison, the same through tsx (how the
 * CLI ran before it was built), a bare `node -e 0` (the floor any Node CLI pays), and `visgate
 * --help` (which loads every command). `BENCH_RUNS` (default 20) runs each, after one warm-up.
 * Prints a markdown table with the machine's load average; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../cli/build';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const GOAL_MS = 150;

function time(cmd: string, args: string[]): number[] {
  const samples: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status)}`);
    if (i > 0) samples.push(ms);
  }
  return samples.sort((a, b) => a - b);
}

const at = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const bin = await buildCli();
  const node = process.execPath;
  const rows: [string, number[]][] = [
    ['`visgate --version` (built bundle)', time(node, [bin, '--version'])],
    ['`visgate --help` (built bundle, every command loaded)', time(node, [bin, '--help'])],
    [
      '`visgate --version` through tsx (before the build)',
      time(node, ['--import', 'tsx', join(__dirname, '..', 'cli', 'src', 'main.ts'), '--version']),
    ],
    ['`node -e 0` (the floor)', time(node, ['-e', '0'])],
  ];
  const fmt = (ms: number): string => `${ms.toFixed(0)} ms`;
  const lines = [
    `visgate CLI start-up, ${RUNS} runs each, load average ${loadavg()[0]?.toFixed(2) ?? '?'}; goal: --version p50 ≤ ${GOAL_MS} ms`,
    '',
    '| command | n | p50 | p90 | min |',
    '| ------- | - | --- | --- | --- |',
    ...rows.map(
      ([name, s]) =>
        `| ${name} | ${s.length} | ${fmt(at(s, 0.5))} | ${fmt(at(s, 0.9))} | ${fmt(s[0] ?? NaN)} |`,
    ),
  ];
  const p50 = at(rows[0]?.[1] ?? [], 0.5);
  lines.push(
    '',
    p50 <= GOAL_MS ? `goal met: ${fmt(p50)}` : `goal missed: ${fmt(p50)} > ${GOAL_MS} ms`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
