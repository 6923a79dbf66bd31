/** A failure the CLI reports as one line on stderr, exiting with `exitCode` (1 failure, 2 usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The HTTP status of the API answer behind this error, when there was one. */
    readonly httpStatus: number | null = null,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A wrong command line: exits 2 with the message and a pointer to `--help`. */
export function usageError(message: string): CliError {
  return new CliError(`${message} (see visgate --help)`, 2);
}
