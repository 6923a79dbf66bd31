// The `visgate` entry point. `--version` answers before anything else is loaded (the build puts
// the rest in a second file, read only when a command runs), so it stays fast; Node's compile cache
// (Node ≥ 22.1) makes every later start of the commands cheaper too.
import { enableCompileCache } from 'node:module';
import { VERSION } from './version';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version')) {
  process.stdout.write(`visgate ${VERSION}\n`);
} else {
  // Absent before Node 22.1; a cache it cannot write is skipped silently.
  (enableCompileCache as (() => unknown) | undefined)?.();
  void import('./cli').then((m) => {
    m.runCli(argv);
  });
}
