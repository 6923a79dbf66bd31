import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { createApiClient } from './api-client';
import { parseCommandLine } from './args';
import { COMMANDS } from './command-table';
import { resolveConfig } from './config';
import type { Ctx } from './context';
import { CliError, EXIT, usageError } from './errors';
import { commandHelp, mainHelp } from './help';
import type { Out } from './render';
import { VERSION } from './version';

const out = (stream: NodeJS.WriteStream): Out => ({
  write: (text: string) => {
    stream.write(text);
  },
  // Typed `true`, but undefined at run time on a pipe.
  isTTY: (stream.isTTY as boolean | undefined) === true,
  get columns() {
    return stream.columns;
  },
});

/** Reads one line on the terminal; a secret is not echoed. */
async function ask(question: string, opts: { secret?: boolean } = {}): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = rl.question(question);
    muted = opts.secret === true;
    return await answer;
  } finally {
    muted = false;
    rl.close();
    if (opts.secret) process.stderr.write('\n');
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs one command line and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'help') {
    const [, ...words] = argv;
    if (words.length === 0) {
      process.stdout.write(mainHelp(COMMANDS, VERSION));
      return EXIT.ok;
    }
    const { command } = parseCommandLine(words, COMMANDS);
    if (!command) throw usageError(`no command named "${words.join(' ')}"`);
    process.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const { command, positionals, flags } = parseCommandLine(argv, COMMANDS);
  if (!command) {
    if (flags.version) {
      process.stdout.write(
        flags.json ? `${JSON.stringify({ version: VERSION })}\n` : `visgate ${VERSION}\n`,
      );
      return EXIT.ok;
    }
    if (flags.help) {
      process.stdout.write(mainHelp(COMMANDS, VERSION));
      return EXIT.ok;
    }
    process.stderr.write(mainHelp(COMMANDS, VERSION));
    return EXIT.usage;
  }
  if (flags.help) {
    process.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const config = resolveConfig(flags);
  const ctx: Ctx = {
    config,
    client: createApiClient(config),
    positionals,
    flags,
    stdout: out(process.stdout),
    stderr: out(process.stderr),
    ask: process.stdin.isTTY ? ask : null,
    readStdin: process.stdin.isTTY ? null : readStdin,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    // A usage error found inside a command (a missing argument) points at that command's help.
    if (
      e instanceof CliError &&
      e.exitCode === EXIT.usage &&
      e.message.endsWith('(see visgate --help)')
    ) {
      throw new CliError(
        e.message.replace(/\(see visgate --help\)$/, `(see visgate ${command.name} --help)`),
        e.exitCode,
      );
    }
    throw e;
  }
}

/** Runs `argv`, reporting any failure as one `visgate: …` line, and sets the exit code. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof CliError) {
        process.stderr.write(`visgate: ${e.message}\n`);
        process.exitCode = e.exitCode;
        return;
      }
      process.stderr.write(
        `visgate: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = EXIT.failure;
    },
  );
}
