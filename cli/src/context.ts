import type { ApiClient } from './api-client';
import type { CliConfig } from './config';
import type { Flags } from './flags';
import { formatTable, type Out } from './render';

/** What every command receives: configuration, the API client, the parsed line and two outputs. */
export interface Ctx {
  config: CliConfig;
  client: ApiClient;
  positionals: string[];
  flags: Flags;
  /** Results (tables, ids, JSON with --json). */
  stdout: Out;
  /** Progress and messages, so stdout stays clean for scripts. */
  stderr: Out;
  /** Reads one line from the user (for confirmations); null when stdin is not a terminal. */
  ask: ((question: string, opts?: { secret?: boolean }) => Promise<string>) | null;
  /** All of stdin when it is not a terminal (`echo $KEY | visgate login`); null on a terminal. */
  readStdin: (() => Promise<string>) | null;
  /** Runs `onInterrupt` on Ctrl-C instead of dying silently; returns the function that undoes it. */
  onInterrupt(onInterrupt: () => void): () => void;
}

/** Prints `value` as JSON on stdout (the `--json` output of every command). */
export function printJson(ctx: Ctx, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Every page of a cursor-paged list (`?limit=100&status=…&cursor=…`). */
export async function fetchAllPages<T>(ctx: Ctx, path: string, status?: string): Promise<T[]> {
  const docs: T[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '100' });
    if (status !== undefined) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    const page: { data: T[]; next_cursor: string | null } = await ctx.client.request(
      'GET',
      `${path}?${q.toString()}`,
    );
    docs.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return docs;
}

/** A list as JSON (`--json`), a table, or `no <things>` on stderr when it is empty. */
export function printList<T>(
  ctx: Ctx,
  docs: readonly T[],
  what: string,
  header: string[],
  row: (doc: T) => string[],
): void {
  if (ctx.flags.json) printJson(ctx, docs);
  else if (docs.length === 0) ctx.stderr.write(`no ${what}\n`);
  else ctx.stdout.write(`${formatTable([header, ...docs.map(row)])}\n`);
}
