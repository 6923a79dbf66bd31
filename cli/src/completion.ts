import type { CommandShape } from './args';
import { FLAGS, type FlagSpec } from './flags';

type Shell = 'bash' | 'zsh' | 'fish';

const firstWord = (c: CommandShape): string => c.name.split(' ')[0] ?? c.name;

const flagWords = (c: CommandShape): string[] => ['--help', ...c.flags.map((f) => `--${f}`)];

/**
 * A completion script for `shell`, generated from the command table so it never drifts from what
 * the parser accepts: commands (subcommands after their group), and each command's own flags.
 */
export function completionScript(shell: Shell, table: readonly CommandShape[]): string {
  const top = [
    ...new Set(table.map((c) => firstWord(c))),
    ...table.flatMap((c) => c.aliases ?? []),
    'help',
  ];
  const subcommands = table.filter((c) => c.name.includes(' '));
  const groups = [...new Set(subcommands.map((c) => firstWord(c)))];
  const subsOf = (g: string): string =>
    subcommands
      .filter((c) => c.name.startsWith(`${g} `))
      .map((c) => c.name.split(' ')[1])
      .join(' ');
  const names = (c: CommandShape): string =>
    [c.name, ...(c.aliases ?? [])].map((n) => `"${n}"`).join('|');
  if (shell === 'bash') {
    return `# visgate bash completion: source it, or save it as ~/.local/share/bash-completion/completions/visgate
_visgate() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="\${COMP_WORDS[1]}" words="" subs=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${top.join(' ')} --help --version" -- "$cur") )
    return
  fi
  case "$cmd \${COMP_WORDS[2]}" in
${subcommands.map((c) => `    "${c.name}") cmd="${c.name}" ;;`).join('\n')}
  esac
  case "$cmd" in
${groups.map((g) => `    ${g}) [[ $COMP_CWORD -eq 2 ]] && subs="${subsOf(g)}" ;;`).join('\n')}
  esac
  case "$cmd" in
${table.map((c) => `    ${names(c)}) words="${flagWords(c).join(' ')}" ;;`).join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  elif [[ -n "$subs" ]]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  fi
}
complete -o default -F _visgate visgate
`;
  }
  if (shell === 'zsh') {
    const describe = table
      .filter((c) => !c.name.includes(' '))
      .map((c) => `    '${c.name}:${summaryOf(c).replace(/'/g, "'\\''").replace(/:/g, '\\:')}'`)
      .join('\n');
    const cases = table
      .map(
        (c) =>
          `    ${names(c)}) _arguments ${flagWords(c)
            .map((f) => `'${f}[${helpOf(f).replace(/'/g, "'\\''").replace(/[[\]]/g, '')}]'`)
            .join(' ')} '*:file:_files' ;;`,
      )
      .join('\n');
    return `#compdef visgate
# visgate zsh completion: save it as _visgate in a directory of your $fpath
_visgate() {
  local -a commands
  commands=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe 'visgate command' commands
    return
  fi
  local cmd="\${words[2]}"
  case "\${words[2]} \${words[3]}" in
${subcommands.map((c) => `    "${c.name}") cmd="${c.name}" ;;`).join('\n')}
  esac
  case "$cmd" in
${cases}
  esac
}
compdef _visgate visgate
`;
  }
  const lines = [
    '# visgate fish completion: save it as ~/.config/fish/completions/visgate.fish',
    'complete -c visgate -f',
    ...table
      .filter((c) => !c.name.includes(' '))
      .map(
        (c) =>
          `complete -c visgate -n '__fish_use_subcommand' -a '${c.name}' -d '${summaryOf(c).replace(/'/g, "\\'")}'`,
      ),
    ...table
      .filter((c) => c.name.includes(' '))
      .map((c) => {
        const [g, sub] = c.name.split(' ');
        return `complete -c visgate -n '__fish_seen_subcommand_from ${g}' -a '${sub}' -d '${summaryOf(c).replace(/'/g, "\\'")}'`;
      }),
    ...table.flatMap((c) =>
      c.flags.map(
        (f) =>
          `complete -c visgate -n '__fish_seen_subcommand_from ${c.name.split(' ')[0]}' -l ${f}${(FLAGS[f] as FlagSpec).type === 'string' ? ' -r' : ''} -d '${helpOf(`--${f}`).replace(/'/g, "\\'")}'`,
      ),
    ),
  ];
  return `${[...new Set(lines)].join('\n')}\n`;
}

function summaryOf(c: CommandShape): string {
  return 'summary' in c && typeof c.summary === 'string' ? c.summary : c.name;
}

function helpOf(flag: string): string {
  const spec = FLAGS[flag.slice(2) as keyof typeof FLAGS] as FlagSpec | undefined;
  return spec ? spec.help : flag;
}
