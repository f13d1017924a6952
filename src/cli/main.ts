/**
 * The `hotswap` command. cac parses flags (small, typed, no dependencies of
 * its own); each command lives in its own file.
 */
import { cac } from 'cac';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, HotswapError, formatError, isHotswapError } from '../errors.ts';
import { splitRunArgv } from './argv.ts';
import { asUsageError } from './usage-error.ts';
import { runCommand, type RunFlags } from './run-command.ts';
import { registerCommands } from './commands.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export async function main(argv: readonly string[]): Promise<void> {
  const split = splitRunArgv(argv);
  const cli = cac('hotswap');
  cli
    .command('run <entry> [...args]', 'Run an entry with hot reload (flags before the entry are hotswap\'s)')
    .option('--root <dir>', 'Directory of reloadable project files (repeatable; default: the entry\'s package directory)')
    .option('--ignore <pattern>', 'Ignore a path segment or absolute prefix (repeatable)')
    .option('--settle <ms>', 'Quiet time that ends a burst of saves (default 30)')
    .option('--no-watch', 'Run under the runner without watching files')
    .option('--config <file>', 'Config file (default: hotswap.config.ts or package.json "hotswap")')
    .option('--verbose', 'Phase timings and re-run reasons for every reload')
    .option('--log-format <format>', 'pretty (default) or json (one JSON object per line on stderr)')
    .option('--no-keep-alive', 'Exit on an uncaught exception, as plain node does')
    .option('--cache-dir <dir>', 'Transform cache directory (default .hotswap/cache)')
    .option('--no-control', 'Do not start the control server')
    .option('--control-port <port>', 'Port of the control server on 127.0.0.1 (default: a free port)')
    .example('hotswap run src/main.ts --port 3000')
    .action(async (entry: string, _args: string[], flags: RunFlags) => {
      await runCommand(entry, split.appArgs, flags);
    });
  registerCommands(cli);
  // cac marks --no-* flags "(default: true)": true of its parsed value, misleading in help.
  cli.help((sections) => sections.map((section) => ({ ...section, body: section.body.replace(/ \(default: true\)$/gm, '').replace(/ +$/gm, '') })));
  cli.version(pkg.version);
  let parsed;
  try {
    parsed = cli.parse([...split.own], { run: false });
  } catch (error) {
    throw asUsageError(error, split.own, cli.matchedCommandName);
  }
  if (parsed.options['help'] || parsed.options['version']) return;
  if (!cli.matchedCommand) {
    if (parsed.args.length > 0) {
      throw new HotswapError(ERROR_CODES.USAGE, `Unknown command "${parsed.args[0]}"`, { hint: 'Run "hotswap --help" for the list of commands.' });
    }
    cli.outputHelp();
    process.exitCode = 2;
    return;
  }
  try {
    await cli.runMatchedCommand();
  } catch (error) {
    throw asUsageError(error, split.own, cli.matchedCommandName);
  }
}

export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await main(argv);
  } catch (caught) {
    // One style for every failure, as the reporter writes them: `[hotswap] ✗ HS_CODE: message`, then its hint, indented.
    const error = isHotswapError(caught) ? caught : internalError(caught);
    process.stderr.write(`[hotswap] ✗ ${formatError(error).split('\n').join('\n          ')}\n`);
    process.exitCode = error.code === ERROR_CODES.USAGE || error.code === ERROR_CODES.CONFIG ? 2 : 1;
  }
}

function internalError(error: unknown): HotswapError {
  return new HotswapError(ERROR_CODES.INTERNAL, `hotswap failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    hint: 'This is a bug in hotswap, not in your app: please report it to the hotswap maintainers with this output and the command you ran.',
  });
}
