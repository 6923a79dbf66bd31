import { publicDeployment, type PublicDeployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { episodeStart, etaSeconds, liveLine, readyLine } from './progress-line';

const GPU = {
  pool: 'ADA_24',
  fallback_pools: [],
  price_per_hour_usd: 0.684,
  usable_vram_bytes: 20e9,
  skipped: [],
};

function doc(overrides: Partial<ReturnType<typeof aDeployment>> = {}): PublicDeployment {
  const base = aDeployment();
  return publicDeployment({ ...base, gpu: { ...GPU } as never, ...overrides });
}

const downloading = (done: number, total: number, rate: number | null) => {
  const base = aDeployment();
  return doc({
    status: 'loading',
    progress: {
      ...base.progress,
      stage: 'downloading',
      bytes_done: done,
      bytes_total: total,
      throughput_bytes_per_s: rate,
    },
  });
};

describe('readyLine', () => {
  it('times ready from the action the user took, not from the deployment creation', () => {
    const base = aDeployment();
    const d = doc({
      status: 'ready',
      progress: { ...base.progress, stage: 'ready', source: 'runpod_cache' },
      timings: { ...base.timings, fetch_s: 0, load_s: 1.2, seconds_to_ready: 61.8 },
    });
    expect(readyLine(d, 22_400)).toBe(
      'ready         ADA_24 $0.684/h  model in VRAM from runpod_cache (fetch 0.0 s, load 1.2 s); ready in 22 s',
    );
  });
});

describe('etaSeconds', () => {
  it.each([
    ['download left at the current rate', downloading(2e9, 5e9, 1e9), 0, 30_000, null, 3],
    ['no rate yet, no estimate', downloading(0, 5e9, null), 0, 1000, null, null],
    [
      'no rate yet, the estimate of the create answer',
      downloading(0, 5e9, null),
      0,
      10_000,
      35,
      25,
    ],
    [
      'past the estimate: no ETA rather than a negative one',
      downloading(0, 5e9, null),
      0,
      40_000,
      35,
      null,
    ],
  ])('%s', (_what, d, stepMs, elapsedMs, estimate, expected) => {
    expect(etaSeconds(d, stepMs, elapsedMs, estimate)).toBe(expected);
  });

  it('loading again (a resume) counts down from the last load time', () => {
    const base = aDeployment();
    const d = doc({
      status: 'loading',
      progress: { ...base.progress, stage: 'loading' },
      timings: { ...base.timings, load_s: 5 },
    });
    expect(etaSeconds(d, 2000, 9000, null)).toBe(3);
  });
});

describe('liveLine', () => {
  it('on a terminal: the bar, then (as the tail kept when fitting) the elapsed time and an ETA', () => {
    const line = liveLine(downloading(2e9, 5e9, 1e9), {
      elapsedMs: 12_000,
      stepMs: 3000,
      tty: true,
      estimatedReadyS: null,
    });
    expect(line).toMatch(
      /^loading +ADA_24 \$0\.684\/h {2}downloading [█░]{20} +40% .*\t12 s, ETA ~3\.0 s$/,
    );
  });

  it('in a pipe: the size to fetch instead of a bar that would be stale at once, and no ETA', () => {
    const line = liveLine(downloading(2e9, 5e9, 1e9), {
      elapsedMs: 1500,
      stepMs: 0,
      tty: false,
      estimatedReadyS: 35,
    });
    expect(line).toBe('loading       ADA_24 $0.684/h  downloading 5.00 GB of weights\t1.5 s');
  });
});

describe('episodeStart', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  it.each([
    [
      'a new deployment: its creation',
      [
        [null, 'queued', 0],
        ['queued', 'validating', 1],
      ],
      0,
    ],
    [
      'a resumed one: the resume',
      [
        [null, 'queued', 0],
        ['loading', 'ready', 5],
        ['ready', 'paused', 9],
        ['paused', 'loading', 20],
      ],
      20,
    ],
    [
      'one being deleted: the delete',
      [
        [null, 'queued', 0],
        ['ready', 'deleting', 30],
      ],
      30,
    ],
  ] as const)('%s', (_what, history, expected) => {
    const d = doc({
      history: history.map(([from, to, s]) => ({ from, to, at: at(s), reason: null })),
    });
    expect(episodeStart(d)).toBe(Date.parse(at(expected)));
  });
});
