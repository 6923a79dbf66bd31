import { CliError } from './errors';
import { durationFlag, intFlag, parseCommandLine, type CommandShape } from './args';

const TABLE: CommandShape[] = [
  {
    name: 'deploy',
    flags: ['api', 'key', 'json', 'wait', 'gpu-tier', 'ttl', 'metadata'],
    maxArgs: 1,
  },
  { name: 'ls', aliases: ['list'], flags: ['api', 'key', 'json', 'all'], maxArgs: 0 },
  { name: 'run', flags: ['output', 'seed'], maxArgs: 2 },
  { name: 'jobs', flags: ['json'], maxArgs: 1 },
  { name: 'jobs cancel', flags: ['json'], maxArgs: 1 },
  { name: 'webhook listen', flags: ['secret'], maxArgs: 0 },
];

function usageMessage(argv: string[]): string {
  try {
    parseCommandLine(argv, TABLE);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    return (e as CliError).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('splits the command, its arguments and flags (short, inline and repeated forms)', () => {
    const p = parseCommandLine(['run', 'dpl_x', 'a cat', '-o', 'cat.png', '--seed=3'], TABLE);
    expect(p.command?.name).toBe('run');
    expect(p.positionals).toEqual(['dpl_x', 'a cat']);
    expect(p.flags).toMatchObject({ output: 'cat.png', seed: '3' });
    expect(intFlag(p.flags, 'seed')).toBe(3);
    const d = parseCommandLine(
      ['--json', 'deploy', 'a/b', '--metadata', 'a=1', '--metadata=b=2'],
      TABLE,
    );
    expect(d.flags).toEqual({ json: true, metadata: ['a=1', 'b=2'] });
  });

  it('finds aliases and subcommands', () => {
    expect(parseCommandLine(['list'], TABLE).command?.name).toBe('ls');
    const c = parseCommandLine(['jobs', 'cancel', 'job_x'], TABLE);
    expect([c.command?.name, c.positionals]).toEqual(['jobs cancel', ['job_x']]);
    expect(parseCommandLine(['jobs', 'dpl_x'], TABLE).command?.name).toBe('jobs');
    expect(parseCommandLine([], TABLE).command).toBeNull();
  });

  it.each([
    [['deplyo', 'x'], 'unknown command "deplyo"; did you mean "deploy"?'],
    [['lst'], 'unknown command "lst"; did you mean "ls"?'],
    [['frobnicate'], 'unknown command "frobnicate" (see visgate --help)'],
    [
      ['deploy', 'x', '--wiat'],
      'unknown flag --wiat; did you mean --wait? (see visgate deploy --help)',
    ],
    [['deploy', 'x', '--gpu-teir', 'A'], 'did you mean --gpu-tier?'],
    [['ls', '--gpu-tier', 'PRO'], '--gpu-tier does not apply to visgate ls'],
    [['ls', '--nope'], 'unknown flag --nope (see visgate ls --help)'],
    [['ls', 'extra'], 'unexpected argument "extra"'],
    [['deploy', '--gpu-tier'], '--gpu-tier needs a value (TIER)'],
    [['deploy', 'x', '--gpu-tier', '--wait'], '--gpu-tier needs a value'],
    [['ls', '--all=yes'], '--all takes no value'],
    [['jobs', 'cancl', 'job_x'], 'unknown subcommand "jobs cancl"; did you mean "jobs cancel"?'],
    [['webhook'], 'visgate webhook needs a subcommand: listen'],
    [['--bogus'], 'unknown flag --bogus'],
  ])('refuses %j as a usage error: %s', (argv, message) => {
    expect(usageMessage(argv)).toContain(message);
  });

  it('never shows Node parser text', () => {
    expect(usageMessage(['ls', '--nope'])).not.toMatch(/ERR_PARSE_ARGS|Unknown option/);
  });
});

describe('durationFlag', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86400],
    ['1.5h', 5400],
  ])('reads %s as %i seconds', (raw, seconds) => {
    expect(durationFlag({ ttl: raw }, 'ttl')).toBe(seconds);
  });

  it.each(['soon', '-5', '2w', '0.5s'])('refuses %s', (raw) => {
    expect(() => durationFlag({ ttl: raw }, 'ttl')).toThrow(/--ttl must be a duration/);
  });
});
