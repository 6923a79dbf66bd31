/**
 * The exit codes of `visgate`, documented in `visgate --help` and cli/README.md. Scripts branch on
 * them, so they never change meaning: 3 tells "the thing you waited for ended badly" apart from
 * "the command itself failed" (1), as `runpodctl`/`hf` users script around both.
 */
export const EXIT = {
  ok: 0,
  /** The command failed: an API error, the network, a file that could not be written. */
  failure: 1,
  /** A wrong command line, or no RunPod API key. */
  usage: 2,
  /** What the command waited for ended failed (deployment failed or deleted, job not completed). */
  ended: 3,
  /** Ctrl-C while waiting (128 + SIGINT); the deployment goes on. */
  interrupted: 130,
} as const;

/** A failure the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    /** The HTTP status of the API answer behind this error, when there was one. */
    readonly httpStatus: number | null = null,
    /** True when the API could not be reached at all (a retry or a wait may help). */
    readonly network = false,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A wrong command line: exits 2 with the message and a pointer to the command's help. */
export function usageError(message: string, command?: string): CliError {
  const help = command ? `visgate ${command} --help` : 'visgate --help';
  return new CliError(`${message} (see ${help})`, EXIT.usage);
}
