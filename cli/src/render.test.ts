import { createProgress, formatTable } from './render';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, write: (t: string) => chunks.push(t) }, text: () => chunks.join('') };
}

describe('createProgress', () => {
  it('prints each distinct line once, on its own line, when not a terminal', () => {
    const s = sink(false);
    const p = createProgress(s.out);
    p.update('loading  10%', 'loading');
    p.update('loading  10%', 'loading');
    p.update('loading  50%', 'loading');
    p.update('ready', 'ready');
    p.done();
    expect(s.text()).toBe('loading  10%\nloading  50%\nready\n');
  });

  it('redraws in place on a terminal and keeps the last line of each status', () => {
    const s = sink(true);
    const p = createProgress(s.out);
    p.update('loading  10%', 'loading');
    p.update('loading  50%', 'loading');
    p.update('ready', 'ready');
    p.done();
    expect(s.text()).toBe('\r\x1b[2Kloading  10%\r\x1b[2Kloading  50%\n\r\x1b[2Kready\n');
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
