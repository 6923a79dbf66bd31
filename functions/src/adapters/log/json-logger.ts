import { scrubSecrets } from '@visgate/shared';
import type { Logger } from '../../ports';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * One JSON object per line (Cloud Logging's structured format: `severity`, `message`). Every line is
 * passed through scrubSecrets, so a secret that slips into a field is masked, not printed.
 */
export function createJsonLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => {
    process.stdout.write(`${line}\n`);
  },
  now: () => Date = () => new Date(),
): Logger & { lines?: string[] } {
  const min = LEVELS[level];
  const emit = (
    severity: Exclude<LogLevel, 'silent'>,
    message: string,
    fields?: Record<string, unknown>,
  ): void => {
    if (LEVELS[severity] < min) return;
    const line = JSON.stringify({
      severity: severity.toUpperCase(),
      time: now().toISOString(),
      message,
      ...fields,
    });
    write(scrubSecrets(line));
  };
  return {
    debug: (m, f) => {
      emit('debug', m, f);
    },
    info: (m, f) => {
      emit('info', m, f);
    },
    warn: (m, f) => {
      emit('warn', m, f);
    },
    error: (m, f) => {
      emit('error', m, f);
    },
  };
}

/** A logger that keeps lines in memory (tests scan them for secrets). */
export function createMemoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createJsonLogger(level, (l) => lines.push(l));
  return Object.assign(logger, { lines });
}
