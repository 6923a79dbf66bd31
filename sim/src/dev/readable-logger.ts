import { createJsonLogger, type Logger } from '@visgate/functions';

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * The dev server's log for a person at a terminal: `19:40:12 INFO  message key=value …`, one line
 * each. It formats the JSON logger's lines, so the same scrubbing masks any secret first.
 */
export function createReadableLogger(
  level: Level,
  write: (line: string) => void = (line) => {
    process.stdout.write(`${line}\n`);
  },
): Logger {
  return createJsonLogger(level, (json) => {
    const { severity, time, message, ...fields } = JSON.parse(json) as Record<string, unknown>;
    const clock = String(time).slice(11, 19);
    const rest = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    write(`${clock} ${String(severity).padEnd(5)} ${String(message)}${rest ? `  ${rest}` : ''}`);
  });
}
