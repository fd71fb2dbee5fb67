/** A failure the command reports in one line, with exit code 2 (bad arguments, a module that cannot be loaded). */
export class CliError extends Error {
  override name = 'CliError';
}
