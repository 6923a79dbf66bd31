import type { CommandSpec } from './command-table';
import { FLAGS, type FlagName, type FlagSpec } from './flags';

const GLOBAL: readonly FlagName[] = ['api', 'key', 'json', 'help'];

function flagLines(names: readonly FlagName[]): string[] {
  const rows = names.map((n) => {
    const spec: FlagSpec = FLAGS[n];
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${n}${spec.value ? ` ${spec.value}` : ''}`;
    return [left, spec.help] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, h]) => `  ${l.padEnd(width)}${h}`);
}

export const EXIT_CODES_HELP = `exit codes:
  0    success
  1    failure: an API error, the network, a file that could not be written
  2    usage: a wrong command line, or no RunPod API key
  3    what the command waited for ended badly (deployment failed or deleted, job not completed)
  130  interrupted (Ctrl-C); a deployment being followed goes on`;

/** `visgate --help`: every command by group, the global flags, environment, exit codes. */
export function mainHelp(table: readonly CommandSpec[], version: string): string {
  const groups = [...new Set(table.map((c) => c.group))];
  const width = Math.max(...table.map((c) => c.name.length)) + 2;
  const sections = groups.map(
    (g) =>
      `${g.toLowerCase()}:\n${table
        .filter((c) => c.group === g)
        .map((c) => `  ${c.name.padEnd(width)}${c.summary}`)
        .join('\n')}`,
  );
  return `visgate ${version} — deploy Hugging Face diffusion models to RunPod serverless, and use them

usage: visgate <command> [args] [flags]
       visgate help <command>     (or visgate <command> --help)

${sections.join('\n\n')}

global flags (on the commands that talk to the API):
${flagLines(GLOBAL).join('\n')}
  -V, --version  print the version

environment:
  RUNPOD_API_KEY           your RunPod API key (wins over the one saved by visgate login)
  VISGATE_API_URL          the visgate API (default http://127.0.0.1:8080)
  HF_TOKEN                 Hugging Face token for gated/private models (deploy, estimate)
  XDG_CONFIG_HOME          where visgate login saves the key: $XDG_CONFIG_HOME/visgate/config.json
  VISGATE_SSE=0            follow progress by polling instead of Server-Sent Events

${EXIT_CODES_HELP}
`;
}

/** `text` wrapped at `width` columns (its own line breaks kept). */
function wrap(text: string, width = 78): string {
  return text
    .split('\n')
    .map((para) => {
      const lines: string[] = [];
      let line = '';
      for (const word of para.split(' ')) {
        if (line && line.length + word.length + 1 > width) {
          lines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      return [...lines, line].join('\n');
    })
    .join('\n');
}

/** `visgate <command> --help`. */
export function commandHelp(c: CommandSpec): string {
  const own = c.flags.filter((f) => !GLOBAL.includes(f));
  const global = [...c.flags.filter((f) => GLOBAL.includes(f)), 'help' as const];
  const aliases = c.aliases?.length ? `\naliases: ${c.aliases.join(', ')}\n` : '';
  return `visgate ${c.name} — ${c.summary}

usage: visgate ${c.name}${c.usage ? ` ${c.usage}` : ''}
${aliases}${c.details ? `\n${wrap(c.details)}\n` : ''}${own.length ? `\nflags:\n${flagLines(own).join('\n')}\n` : ''}
global flags:
${flagLines(global).join('\n')}

${EXIT_CODES_HELP}
`;
}
