import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

export const option = {
  string: { type: 'string' },
  boolean: { type: 'boolean' },
} as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

/** `util.parseArgs` in strict mode, with its errors turned into one-line usage errors. */
export function parseCommand<O extends OptionSpec>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be an integer 0-65535, got "${value}"`, 2);
  return port;
}
