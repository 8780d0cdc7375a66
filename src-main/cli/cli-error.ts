/** An error the CLI reports as one line and a non-zero exit; `exitCode` 2 means bad usage. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
