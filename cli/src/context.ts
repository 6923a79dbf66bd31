import type { ApiClient } from './api-client';
import type { Flags } from './args';
import type { CliConfig } from './config';
import type { Out } from './render';

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
  ask: ((question: string) => Promise<string>) | null;
}

/** Prints `value` as JSON on stdout (the `--json` output of every command). */
export function printJson(ctx: Ctx, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
