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
import { applyCommand, type ApplyFlags } from './commands/apply.ts';
import { historyCommand, type HistoryFlags } from './commands/history.ts';
import { rollbackCommand, type RollbackFlags } from './commands/rollback.ts';
import { versionsCommand, type VersionsFlags } from './commands/versions.ts';

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
    .command('history [module]', 'Versions recorded by the running process, newest first (trigger, hash, parent, timings)')
    .option('--limit <n>', 'How many versions (default 50)')
    .option('--json', 'Print the versions as JSON')
    .option(cwd, cwdHelp)
    .action((module: string | undefined, flags: HistoryFlags) => historyCommand(module, flags));
  cli
    .command('rollback [version]', 'List rollback points, or restore a version (<id> or <module>@<n>) on disk and in the running code')
    .option('--module <path>', 'List only this module\'s rollback points')
    .option('--reason <text>', 'Why (recorded in the history)')
    .option('--json', 'Print the outcome as JSON')
    .option(cwd, cwdHelp)
    .action((version: string | undefined, flags: RollbackFlags) => rollbackCommand(version, flags));
  cli
    .command('apply <module>', 'Apply new code to a module of the running process: impact preview, checks, commit, atomic write, probation')
    .option('--from <file>', 'The new code (a file, or - for stdin)')
    .option('--mode <mode>', 'replace (default), append, or export:<name> (replace one exported function, class or const)')
    .option('--reason <text>', 'Why (recorded in the history)')
    .option('--yes', 'Apply without asking')
    .option('--dry-run', 'Show the impact and stop')
    .option('--no-wait', 'Do not wait for the end of probation')
    .option('--json', 'Print the outcome as JSON')
    .option(cwd, cwdHelp)
    .action((module: string, flags: ApplyFlags) => applyCommand(module, flags));
  cli
    .command('versions <action>', 'Manage the version store: "prune" applies retention now')
    .option('--keep <n>', 'Versions kept per module besides every stable one (default: the config\'s keep, 20)')
    .option('--json', 'Print the result as JSON')
    .option(cwd, cwdHelp)
    .action((action: string, flags: VersionsFlags) => versionsCommand(action, flags));
  cli
    .command('doctor', 'Check Node, config, file watching, .hotswap/ and the control server')
    .option('--config <file>', 'Config file (default: hotswap.config.ts or package.json "hotswap")')
    .option(cwd, 'Project directory (default: the current directory)')
    .action((flags: DoctorFlags) => doctorCommand(flags));
}
