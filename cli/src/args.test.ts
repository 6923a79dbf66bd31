import { CliError } from './errors';
import { intFlag, parseCommandLine } from './args';

describe('parseCommandLine', () => {
  it('splits the command, its arguments and flags (short forms included)', () => {
    const p = parseCommandLine(['run', 'dpl_x', 'a cat', '-o', 'cat.png', '--seed', '3']);
    expect(p.command).toBe('run');
    expect(p.positionals).toEqual(['dpl_x', 'a cat']);
    expect(p.flags).toMatchObject({ output: 'cat.png', seed: '3' });
    expect(intFlag(p.flags, 'seed')).toBe(3);
  });

  it.each([[['ls', '--nope']], [['run', 'x', 'y', '--seed', 'abc']]])(
    'rejects %j as a usage error (exit 2)',
    (argv) => {
      const attempt = () => {
        const p = parseCommandLine(argv);
        intFlag(p.flags, 'seed');
      };
      expect(attempt).toThrow(CliError);
      try {
        attempt();
      } catch (e) {
        expect((e as CliError).exitCode).toBe(2);
      }
    },
  );
});
