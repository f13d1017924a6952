/**
 * Commands that talk to a running process through its control server
 * (status, reload, graph, logs, doctor) register here.
 */
import type { CAC } from 'cac';

export function registerCommands(cli: CAC): void {
  void cli;
}
