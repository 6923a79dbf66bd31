import { FLAGS, type FlagName, type Flags, type FlagSpec } from './flags';
import { didYouMean } from './suggest';
import { usageError } from './errors';

/** What a command declares about its command line; the table lives in command-table.ts. */
export interface CommandShape {
  /** `deploy`, or `jobs cancel` for a subcommand. */
  name: string;
  aliases?: readonly string[];
  /** Flags it accepts besides --help. */
  flags: readonly FlagName[];
  /** Most positional arguments it takes. */
  maxArgs: number;
}

export interface CommandLine<C extends CommandShape> {
  /** The command, or null for a bare `visgate [--version|--help]`. */
  command: C | null;
  positionals: string[];
  flags: Flags;
}

const SHORT = new Map<string, FlagName>(
  (Object.entries(FLAGS) as [FlagName, FlagSpec][]).flatMap(([name, spec]) =>
    spec.short ? [[spec.short, name] as const] : [],
  ),
);

interface Token {
  name: FlagName | null;
  raw: string;
  value: string | true;
}

/** Splits argv into flags and positionals; only the shape of each flag is checked here. */
function tokenize(argv: readonly string[]): { tokens: Token[]; positionals: string[] } {
  const tokens: Token[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const raw = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? null : arg.slice(eq + 1);
    const name: FlagName | null = raw.startsWith('--')
      ? raw.slice(2) in FLAGS
        ? (raw.slice(2) as FlagName)
        : null
      : raw.length === 2
        ? (SHORT.get(raw.slice(1)) ?? null)
        : null;
    if (name === null) {
      tokens.push({ name, raw, value: inline ?? true });
      continue;
    }
    const spec: FlagSpec = FLAGS[name];
    if (spec.type === 'boolean') {
      if (inline !== null) throw usageError(`${raw} takes no value`);
      tokens.push({ name, raw, value: true });
      continue;
    }
    if (inline !== null) {
      tokens.push({ name, raw, value: inline });
      continue;
    }
    const next = argv[i + 1];
    if (
      next === undefined ||
      (next.startsWith('--') && (next.slice(2).split('=')[0] ?? '') in FLAGS)
    ) {
      throw usageError(`${raw} needs a value${spec.value ? ` (${spec.value})` : ''}`);
    }
    tokens.push({ name, raw, value: next });
    i++;
  }
  return { tokens, positionals };
}

const subName = (c: CommandShape): string => c.name.split(' ')[1] ?? '';

/** The command named by the first words, with its subcommand when the table has one. */
function findCommand<C extends CommandShape>(
  words: readonly string[],
  table: readonly C[],
): { command: C; used: number } | null {
  const [first, second] = words;
  if (first === undefined) return null;
  const named = (n: string): C | undefined =>
    table.find((c) => c.name === n || (c.aliases ?? []).includes(n));
  const sub = second !== undefined ? named(`${first} ${second}`) : undefined;
  if (sub) return { command: sub, used: 2 };
  const top = named(first);
  const group = table.filter((c) => c.name.startsWith(`${first} `));
  if (top) {
    // `jobs cancl x`: a near miss of a subcommand, not an argument of the group's own command.
    const subs = group.map(subName);
    const guess =
      second !== undefined && !subs.includes(second) && !/^(dpl|job)_/.test(second)
        ? didYouMean(second, subs)
        : null;
    if (guess !== null) {
      throw usageError(
        `unknown subcommand "${first} ${second}"; did you mean "${first} ${guess}"?`,
      );
    }
    return { command: top, used: 1 };
  }
  if (group.length > 0) {
    const subs = group.map(subName);
    const guess = second !== undefined ? didYouMean(second, subs) : null;
    throw usageError(
      second === undefined
        ? `visgate ${first} needs a subcommand: ${subs.join(', ')}`
        : `unknown subcommand "${first} ${second}"${guess ? `; did you mean "${first} ${guess}"?` : ''}`,
    );
  }
  const names = table.flatMap((c) => (c.name.includes(' ') ? [] : [c.name, ...(c.aliases ?? [])]));
  const guess = didYouMean(first, [...names, 'help', 'version']);
  throw usageError(`unknown command "${first}"${guess ? `; did you mean "${guess}"?` : ''}`);
}

/**
 * The command line as `{command, positionals, flags}`, checked against the command's own flags:
 * an unknown flag gets a "did you mean", a flag of another command is refused by name, and a
 * missing value or extra argument is a usage error (exit 2). Never Node's parser text.
 */
export function parseCommandLine<C extends CommandShape>(
  argv: readonly string[],
  table: readonly C[],
): CommandLine<C> {
  const { tokens, positionals } = tokenize(argv);
  const found = findCommand(positionals, table);
  const command = found?.command ?? null;
  const rest = positionals.slice(found?.used ?? 0);
  const allowed: FlagName[] = command ? ['help', ...command.flags] : ['help', 'version', 'json'];
  const where = command ? `visgate ${command.name}` : 'visgate';
  const flags: Flags = {};
  for (const t of tokens) {
    if (t.name === null) {
      const names = allowed.map((n) => `--${n}`);
      const guess = didYouMean(t.raw.replace(/^-+/, '--'), names);
      throw usageError(
        `unknown flag ${t.raw}${guess ? `; did you mean ${guess}?` : ''}`,
        command?.name,
      );
    }
    if (!allowed.includes(t.name)) {
      throw usageError(`${t.raw} does not apply to ${where}`, command?.name);
    }
    const spec: FlagSpec = FLAGS[t.name];
    if (spec.repeatable) {
      const prev = flags[t.name];
      flags[t.name] = [...(Array.isArray(prev) ? prev : []), String(t.value)];
    } else {
      flags[t.name] = t.value;
    }
  }
  if (command && rest.length > command.maxArgs && !flags.help) {
    throw usageError(`unexpected argument "${rest[command.maxArgs]}"`, command.name);
  }
  if (!command && rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`);
  return { command, positionals: rest, flags };
}

/** A string flag's value, or undefined when absent. */
export function stringFlag(flags: Flags, name: FlagName): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** An integer flag, or undefined when absent; anything else is a usage error. */
export function intFlag(flags: Flags, name: FlagName): number | undefined {
  const raw = stringFlag(flags, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw usageError(`--${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration flag in seconds: `90`, `90s`, `15m`, `2h`, `1d`; anything else is a usage error. */
export function durationFlag(flags: Flags, name: FlagName): number | undefined {
  const raw = stringFlag(flags, name);
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * (UNIT_S[m[2] || 's'] ?? NaN) : NaN;
  if (!Number.isInteger(seconds)) {
    throw usageError(`--${name} must be a duration such as 90, 90s, 15m or 2h, got "${raw}"`);
  }
  return seconds;
}

/** A comma-separated list flag, or undefined when absent. */
export function listFlag(flags: Flags, name: FlagName): string[] | undefined {
  const raw = stringFlag(flags, name);
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The `index`-th positional argument, or a usage error naming it. */
export function positional(positionals: string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined || value === '') throw usageError(`missing <${name}>`);
  return value;
}
