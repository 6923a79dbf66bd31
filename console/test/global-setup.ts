import { buildConsole, DEFAULT_CONSOLE_DIR } from '../build';

/** The browser tests serve the console as the local server does: built into .build/console. */
export default async function globalSetup(): Promise<void> {
  await buildConsole(DEFAULT_CONSOLE_DIR);
}
