/**
 * Commands that talk to a running process through its control server
 * (status, reload, graph, logs) and `doctor`. Each lives in ./commands/.
 */
import type { CAC } from 'cac';
import { doctorCommand, type DoctorFlags } from './commands/doctor.ts';
import { graphCommand, type GraphFlags } from './commands/graph.ts';
import { logsCommand, type LogsFlags } from './commands/logs.ts';
import { reloadCommand, type ReloadFlags } from './commands/reload.ts';
import { statusCommand, type StatusFlags } from './commands/status.ts';

export function registerCommands(cli: CAC): void {
  const cwd = '--cwd <dir>';
  const cwdHelp = 'Project directory of the running process (default: the current directory or the nearest parent with .hotswap/control.json)';
  cli
    .command('status', 'Show the state of the running process: reloads, errors, timings')
    .option('--json', 'Print the status and stats as JSON')
    .option('--gc', 'Collect garbage in the process first, so the leak lines list only versions really held')
    .option(cwd, cwdHelp)
    .action((flags: StatusFlags) => statusCommand(flags));
  cli
    .command('reload [file]', 'Reload a file in the running process (no file: re-run every module)')
    .option('--module <path>', 'Re-run a loaded module (as listed by "hotswap graph")')
    .option('--json', 'Print the reload result as JSON')
    .option(cwd, cwdHelp)
    .action((file: string | undefined, flags: ReloadFlags) => reloadCommand(file, flags));
  cli
    .command('graph', 'Print the module dependency graph of the running process')
    .option('--format <format>', 'tree (default), dot (Graphviz) or json')
    .option(cwd, cwdHelp)
    .action((flags: GraphFlags) => graphCommand(flags));
  cli
    .command('logs', 'Print recent events of the running process (reloads, errors, file events)')
    .option('--follow, -f', 'Keep printing events as they happen (Ctrl-C to stop)')
    .option('--limit <n>', 'How many recent events to print first (default 50)')
    .option('--json', 'One JSON object per line')
    .option(cwd, cwdHelp)
    .action((flags: LogsFlags) => logsCommand(flags));
  cli
    .command('doctor', 'Check Node, config, file watching, .hotswap/ and the control server')
    .option('--config <file>', 'Config file (default: hotswap.config.ts or package.json "hotswap")')
    .option(cwd, 'Project directory (default: the current directory)')
    .action((flags: DoctorFlags) => doctorCommand(flags));
}
