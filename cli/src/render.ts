/** Where progress goes: a stream and whether it is a terminal (in-place updates) or not. */
export interface Out {
  write(text: string): void;
  isTTY: boolean;
}

/**
 * A progress display. On a TTY the current line is redrawn in place and kept (a newline) when the
 * status changes; elsewhere (CI, pipes) each distinct line is printed once.
 */
export function createProgress(out: Out) {
  let last: string | null = null;
  let lastKey: string | null = null;
  let open = false;
  return {
    /** Shows `line`; `key` (e.g. the status) decides when a TTY keeps the previous line. */
    update(line: string, key: string): void {
      if (line === last) return;
      if (out.isTTY) {
        if (open && key !== lastKey) out.write('\n');
        out.write(`\r\x1b[2K${line}`);
        open = true;
      } else {
        out.write(`${line}\n`);
      }
      last = line;
      lastKey = key;
    },
    /** Ends the display (the cursor moves to a fresh line on a TTY). */
    done(): void {
      if (out.isTTY && open) out.write('\n');
      open = false;
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
