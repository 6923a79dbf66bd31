import { createProgress, duration, fitWidth, formatTable, usd } from './render';

function sink(isTTY: boolean, columns?: number) {
  const chunks: string[] = [];
  return {
    out: { isTTY, columns, write: (t: string) => chunks.push(t) },
    text: () => chunks.join(''),
  };
}

const fixed = (line: string) => () => line;

describe('createProgress', () => {
  it('prints one plain line per step into a pipe, however many updates a step gets', () => {
    const s = sink(false);
    const p = createProgress(s.out, { tickMs: 0 });
    p.update(fixed('loading  downloading 5.00 GB'), 'loading/downloading');
    p.update(fixed('loading  downloading 5.00 GB 50%'), 'loading/downloading');
    p.update(fixed('loading  loading the model'), 'loading/loading');
    p.finish('ready in 3.0 s');
    expect(s.text()).toBe(
      'loading  downloading 5.00 GB\nloading  loading the model\nready in 3.0 s\n',
    );
  });

  it('renders a pipe line without the terminal-only parts', () => {
    const s = sink(false);
    const p = createProgress(s.out, { tickMs: 0 });
    p.update((_at, tty) => (tty ? 'bar ████' : 'no bar'), 'k');
    expect(s.text()).toBe('no bar\n');
  });

  it('redraws in place on a terminal, keeps the last line of each step, and prints one final line', () => {
    const s = sink(true);
    const p = createProgress(s.out, { tickMs: 0 });
    p.update(fixed('loading  10%'), 'loading');
    p.update(fixed('loading  50%'), 'loading');
    p.update(fixed('warming up'), 'warming');
    p.finish('ready');
    expect(s.text()).toBe(
      '\r\x1b[2Kloading  10%\r\x1b[2Kloading  50%\n\r\x1b[2Kwarming up\r\x1b[2Kready\n',
    );
  });

  it('fits terminal lines to the width and keeps the elapsed time current between events', () => {
    jest.useFakeTimers();
    try {
      let now = 0;
      const s = sink(true, 20);
      const p = createProgress(s.out, { now: () => now, tickMs: 1000 });
      p.update((at) => `loading a long detail of the step\t${at / 1000} s`, 'loading');
      now = 1000;
      jest.advanceTimersByTime(1000);
      p.finish('ready: a final line longer than the terminal');
      expect(s.text()).toBe(
        '\r\x1b[2Kloading a lon…  0 s\r\x1b[2Kloading a lon…  1 s\r\x1b[2Kready: a final line longer than the terminal\n',
      );
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('fitWidth', () => {
  it.each([
    ['short', 80, 'short'],
    ['exactly ten', 11, 'exactly t…'],
    ['no width known', undefined, 'no width known'],
    ['detail\t12 s', 80, 'detail  12 s'],
    ['a long detail that must give way\t12 s, ETA ~3 s', 30, 'a long detai…  12 s, ETA ~3 s'],
  ])('%j at %s columns', (line, width, expected) => {
    expect(fitWidth(line, width)).toBe(expected);
  });
});

describe('usd and duration', () => {
  it.each([
    [0, '$0'],
    [0.000412, '$0.00041'],
    [0.05, '$0.050'],
    [0.5, '$0.50'],
    [12.345, '$12.35'],
  ])('usd(%d) is %s', (amount, text) => {
    expect(usd(amount)).toBe(text);
  });

  it.each([
    [4200, '4.2 s'],
    [42_000, '42 s'],
    [185_000, '3m 05s'],
  ])('duration(%d) is %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });
});

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      formatTable([
        ['ID', 'STATUS'],
        ['dpl_a', 'ready'],
      ]),
    ).toBe('ID     STATUS\ndpl_a  ready');
  });
});
