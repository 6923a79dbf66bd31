/** Where output goes: a stream, whether it is a terminal, and its width when it is one. */
export interface Out {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

/** Separates a progress line's detail from its tail (elapsed, ETA), which fitting keeps whole. */
export const TAIL = '\t';

/**
 * `line` cut to `width` characters (an ellipsis marks the cut) so a terminal never wraps it; the
 * cut falls in the detail, so the tail after TAIL (the elapsed time and ETA) always shows.
 */
export function fitWidth(line: string, width: number | undefined): string {
  const [head = '', tail] = line.split(TAIL);
  const full = tail === undefined ? head : `${head}  ${tail}`;
  if (!width || width < 10 || full.length < width) return full;
  const room = width - 2 - (tail === undefined ? 0 : tail.length + 2);
  if (room < 10) return `${full.slice(0, width - 2)}…`;
  return `${head.slice(0, room)}…${tail === undefined ? '' : `  ${tail}`}`;
}

/**
 * A progress display. Each update names its step (`key`) and renders a line for a given time, so
 * elapsed time and ETA stay current. On a terminal the line is redrawn in place (every second, and
 * on each update), fitted to the width, and the last line of a step is kept when the next begins;
 * elsewhere (pipes, CI) one plain line is printed per step, never one per tick.
 */
export function createProgress(out: Out, opts: { now?: () => number; tickMs?: number } = {}) {
  const now = opts.now ?? Date.now;
  let render: ((at: number, tty: boolean) => string) | null = null;
  let lastKey: string | null = null;
  let drawn: string | null = null;
  let open = false;
  let timer: NodeJS.Timeout | null = null;
  const draw = (): void => {
    if (!render) return;
    const line = fitWidth(render(now(), true), out.columns);
    if (line === drawn) return;
    out.write(`\r\x1b[2K${line}`);
    drawn = line;
    open = true;
  };
  const stopTimer = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  return {
    /** Shows the line `render` gives; `key` (status and stage) decides when a step begins. */
    update(next: (at: number, tty: boolean) => string, key: string): void {
      const newStep = key !== lastKey;
      lastKey = key;
      render = next;
      if (!out.isTTY) {
        if (newStep) out.write(`${fitWidth(next(now(), false), undefined)}\n`);
        return;
      }
      if (newStep && open) {
        out.write('\n');
        drawn = null;
      }
      draw();
      if (!timer && opts.tickMs !== 0) {
        timer = setInterval(draw, opts.tickMs ?? 1000);
        timer.unref();
      }
    },
    /** Ends the display with `line` as its one final line (none when omitted). */
    finish(line?: string): void {
      stopTimer();
      if (out.isTTY && open) out.write('\r\x1b[2K');
      // The final line stays: printed whole (a terminal may wrap it), never cut.
      if (line !== undefined) out.write(`${fitWidth(line, undefined)}\n`);
      open = false;
      render = null;
    },
    /** Ends the display where it stands (the current line is kept), e.g. before an interrupt note. */
    stop(): void {
      stopTimer();
      if (out.isTTY && open) out.write('\n');
      open = false;
      render = null;
    },
  };
}

export type Progress = ReturnType<typeof createProgress>;

/** Rows as left-aligned columns separated by two spaces; the first row is the header. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

/** Seconds with one decimal, e.g. "12.3 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A duration for progress: "4.2 s" under 10 s, "42 s" under a minute, then "3m 05s". */
export function duration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

/**
 * Dollars readable at any size: cents for a dollar or more, else enough digits to show the first
 * two significant digits ($0.00041), and "$0" for nothing — never a misleading "$0.0000".
 */
export function usd(amount: number): string {
  if (amount === 0) return '$0';
  if (Math.abs(amount) >= 1) return `$${amount.toFixed(2)}`;
  const digits = Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(Math.abs(amount)))));
  return `$${amount.toFixed(digits)}`;
}
