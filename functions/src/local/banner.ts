/**
 * What `npm start` and `npm run dev` print when they are up: where the API is, what is real and what
 * is simulated, where state is kept, and what to type next. Rows are `label value`, aligned; the
 * `API` row is always `  API  <url>` on a line of its own (scripts and the dev harness read it).
 */
export function formatBanner(opts: {
  title: string;
  rows: [label: string, value: string][];
  warnings?: string[];
  next?: string[];
}): string {
  const width = Math.max(...opts.rows.map(([label]) => label.length));
  const lines = ['', `  ${opts.title}`, ''];
  for (const [label, value] of opts.rows) lines.push(`  ${label.padEnd(width)}  ${value}`);
  for (const w of opts.warnings ?? []) lines.push('', `  warning: ${w}`);
  if (opts.next?.length) lines.push('', ...opts.next.map((l) => `  ${l}`));
  return `${lines.join('\n')}\n\n`;
}

/** True for a URL whose host is this machine only (RunPod's workers cannot call it back). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '0.0.0.0';
}

/** One line for a failure to listen (the port taken, a host that is not ours), or null. */
export function describeListenError(e: unknown, host: string, port: number): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${port} on ${host} is already in use (another visgate server?): stop it or set PORT, e.g. PORT=${port + 1}`;
  }
  if (code === 'EADDRNOTAVAIL') return `HOST ${host} is not an address of this machine`;
  if (code === 'EACCES') return `not allowed to listen on port ${port}: pick PORT above 1023`;
  return null;
}
