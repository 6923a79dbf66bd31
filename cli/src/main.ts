// The `visgate` entry point. `--version` answers before anything else is loaded (the bundle
// evaluates the rest lazily), so it stays fast; everything else goes through cli.ts.
import { VERSION } from './version';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version')) {
  process.stdout.write(`visgate ${VERSION}\n`);
} else {
  void import('./cli').then((m) => {
    m.runCli(argv);
  });
}
