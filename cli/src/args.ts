import { parseArgs } from 'node:util';
import { usageError } from './errors';

/** Every flag the CLI knows; each command reads the ones it uses. */
const OPTIONS = {
  api: { type: 'string' },
  key: { type: 'string' },
  'runpod-api': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  wait: { type: 'boolean' },
  'gpu-tier': { type: 'string' },
  webhook: { type: 'string' },
  'workers-max': { type: 'string' },
  'idempotency-key': { type: 'string' },
  output: { type: 'string', short: 'o' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  negative: { type: 'string' },
  timeout: { type: 'string' },
  status: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  port: { type: 'string' },
  host: { type: 'string' },
  secret: { type: 'string' },
} as const;

export type Flags = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/** The command line as `{command, positionals, flags}`; an unknown flag is a usage error. */
export function parseCommandLine(argv: string[]): {
  command: string | null;
  positionals: string[];
  flags: Flags;
} {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const [command = null, ...positionals] = parsed.positionals;
  return { command, positionals, flags: parsed.values };
}

/** An integer flag, or undefined when absent; anything else is a usage error. */
export function intFlag(flags: Flags, name: keyof Flags): number | undefined {
  const raw = flags[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  if (!/^\d+$/.test(raw)) throw usageError(`--${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** The `index`-th positional argument, or a usage error naming it. */
export function positional(positionals: string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined || value === '') throw usageError(`missing <${name}>`);
  return value;
}
