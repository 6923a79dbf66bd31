/** Display formats shared by every page. Pure. */

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1e3) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1e3;
  let i = 0;
  while (v >= 1e3 && i < units.length - 1) {
    v /= 1e3;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i] ?? ''}`;
}

export function gib(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

export function usd(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined) return '—';
  if (n > 0 && n < 0.01) return `$${n.toFixed(Math.max(digits, 6)).replace(/0+$/, '')}`;
  return `$${n.toFixed(digits)}`;
}

export function perHour(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${usd(n, 3)}/h`;
}

/** A duration in seconds as people read it: 850 ms, 12.4 s, 3 min 5 s, 2 h 10 min. */
export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}
