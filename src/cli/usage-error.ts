/**
 * cac's own errors, said the way the rest of hotswap says them: one
 * `HS_USAGE` error with a hint, and flags echoed as the user typed them
 * (cac reports `--bogus-flag` as `--bogusFlag`, its camel-cased key).
 */
import { ERROR_CODES, HotswapError } from '../errors.ts';

/** A cac error (by name: cac does not export its class) as an HS_USAGE error; anything else is returned as is. */
export function asUsageError(error: unknown, argv: readonly string[], command: string | undefined): unknown {
  if (!(error instanceof Error) || error.name !== 'CACError') return error;
  const help = `Run "hotswap${command ? ` ${command}` : ''} --help" for ${command ? 'its arguments and flags' : 'the commands and flags'}.`;
  const unknown = /^Unknown option `-{1,2}([^`]+)`/.exec(error.message);
  if (unknown) {
    const flag = asTyped(unknown[1] as string, argv);
    // `hotswap run --port 3000 src/main.ts`: the flag was probably meant for the app
    const forApp = command === 'run' ? ` Flags for the app go after the entry: hotswap run <entry> ${flag} ...` : '';
    return new HotswapError(ERROR_CODES.USAGE, `Unknown flag ${flag}`, { hint: `${help}${forApp}` });
  }
  const missingValue = /^option `([^`]+)` value is missing/.exec(error.message);
  if (missingValue) {
    const [flag = '', value = ''] = (missingValue[1] as string).split(' ');
    return new HotswapError(ERROR_CODES.USAGE, `${flag} needs a value: ${flag} ${value}`.trim(), { hint: help });
  }
  const missingArgs = /^missing required args for command `([^`]+)`/.exec(error.message);
  if (missingArgs) return new HotswapError(ERROR_CODES.USAGE, `Missing argument: hotswap ${missingArgs[1] as string}`, { hint: help });
  const unused = /^Unused args: (.+)$/.exec(error.message);
  if (unused) return new HotswapError(ERROR_CODES.USAGE, `Unexpected argument${unused[1]?.includes(',') ? 's' : ''}: ${(unused[1] as string).replaceAll('`', '')}`, { hint: help });
  return new HotswapError(ERROR_CODES.USAGE, error.message, { hint: help });
}

/** The argv entry cac turned into `key` (`bogusFlag` ← `--bogus-flag`, `--bogus-flag=1`, `-x`). */
function asTyped(key: string, argv: readonly string[]): string {
  for (const arg of argv) {
    if (!arg.startsWith('-')) continue;
    const name = arg.replace(/^-{1,2}/, '').split('=')[0] as string;
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (name === key || camel === key || (name.startsWith('no-') && camel.slice(2).replace(/^./, (c) => c.toLowerCase()) === key)) return arg.split('=')[0] as string;
  }
  return key.length > 1 ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : `-${key}`;
}
