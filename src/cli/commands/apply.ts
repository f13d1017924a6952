/**
 * `hotswap apply <module> --from <file|-> [--mode replace|append|export:<name>]
 * [--reason text] [--yes] [--dry-run]`: show the impact (diff, importers,
 * plugins, calls in flight, the running version's error rate and latency),
 * ask, then apply in the running process and report probation's verdict with
 * the error rate and latency before and after.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ERROR_CODES, HotswapError } from '../../errors.ts';
import type { Impact, VersionCalls } from '../../versions/impact.ts';
import { clientFor, color, print } from './format.ts';
import { printOutcome, safeUser, type OutcomeResponse } from './rollback.ts';
import { rateText, type ShownVersion } from './version-lines.ts';

export interface ApplyFlags {
  from?: string;
  mode?: string;
  reason?: string;
  yes?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  json?: boolean;
  cwd?: string;
}

type ApplyResponse = { outcome: OutcomeResponse['outcome'] & { impact?: Impact; before?: VersionCalls } };

export async function applyCommand(module: string, flags: ApplyFlags): Promise<void> {
  if (flags.from === undefined) throw new HotswapError(ERROR_CODES.USAGE, 'Missing --from <file|->', { hint: 'Give the new code: hotswap apply lib/x.ts --from fix.ts (or --from - to read stdin).' });
  const code = flags.from === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(flags.from), 'utf8');
  const client = clientFor(flags);
  // `..` is sent as written so the process refuses it by name; other paths are relative to where the user stands.
  const target = module.split(/[\\/]/).includes('..') || isAbsolute(module) ? module : resolve(process.cwd(), module);
  const request = { module: target, code, ...(flags.mode ? { mode: flags.mode } : {}), from: flags.from === '-' ? 'stdin' : flags.from, ...(flags.reason ? { reason: flags.reason } : {}), user: safeUser() };
  const preview = await client.request<ApplyResponse>('POST', '/api/apply', { ...request, dryRun: true });
  const impact = preview.outcome.impact as Impact;
  if (!flags.json) printImpact(impact);
  if (flags.dryRun) {
    if (flags.json) print(JSON.stringify(preview.outcome, null, 2));
    return;
  }
  if (!flags.yes && !(await confirm(flags.from === '-'))) {
    print('not applied');
    process.exitCode = 1;
    return;
  }
  const { outcome } = await client.request<ApplyResponse>('POST', '/api/apply', { ...request, expectHash: impact.baseHash });
  if (flags.json && (outcome.status !== 'committed' || flags.wait === false)) print(JSON.stringify(outcome, null, 2));
  else if (!flags.json) printOutcome('apply', outcome);
  if (outcome.status === 'failed') {
    process.exitCode = 1;
    return;
  }
  if (outcome.status !== 'committed' || !outcome.version || flags.wait === false) return;
  const settled = await waitForProbation(client, outcome.version.id);
  if (flags.json) return print(JSON.stringify({ ...outcome, version: settled }, null, 2));
  const before = outcome.before;
  if (settled.state === 'stable') print(`${color('green', '✓')} ${settled.module}@${settled.seq} is stable after probation`);
  else if (settled.state === 'rolled-back') {
    print(`${color('red', '✗')} ${settled.module}@${settled.seq} failed in probation and was rolled back automatically (file and code)`);
    process.exitCode = 1;
  } else print(`${color('yellow', '!')} ${settled.module}@${settled.seq} is ${settled.state}`);
  if (before) print(`  before  v${before.version ?? '?'}: ${rateText(before)}`);
  print(`  after   ${settled.module}@${settled.seq}: ${rateText(settled)}`);
}

function printImpact(impact: Impact): void {
  print(color('bold', `impact of the change to ${impact.module}`));
  print(impact.diff.trimEnd() || '  (no change to the source)');
  if (impact.removedExports.length > 0) print(color('yellow', `  exports removed: ${impact.removedExports.join(', ')}`));
  for (const importer of impact.importers) print(`  ${importer.breaks ? color('red', 'breaks ') : 'imports'} ${importer.module}${importer.names.length ? ` (${importer.names.join(', ')})` : ''}${importer.breaks ? ': uses a removed export, the apply will fail' : ': re-runs only if it read a changed value at top level'}`);
  for (const plugin of impact.plugins) print(`  plugin  ${plugin.name}: re-registers ${[...plugin.tools.map((t) => `tool ${t}`), ...plugin.commands.map((c) => `command ${c}`), ...plugin.routes.map((r) => `route ${r}`)].join(', ') || 'no registrations'}`);
  const r = impact.running;
  print(`  running v${r.version ?? '?'}: ${r.inFlight} call(s) in flight, ${rateText(r)}`);
}

async function confirm(stdinUsed: boolean): Promise<boolean> {
  if (stdinUsed || !process.stdin.isTTY) {
    throw new HotswapError(ERROR_CODES.USAGE, 'apply needs a confirmation and cannot ask (no terminal, or the code came from stdin)', { hint: 'Review the impact above and pass --yes, or --dry-run to stop there.' });
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question('Apply this change? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}

async function waitForProbation(client: ReturnType<typeof clientFor>, id: number): Promise<ShownVersion> {
  for (;;) {
    const { version } = await client.request<{ version: ShownVersion }>('GET', `/api/versions/${id}`);
    if (version.state !== 'probation') return version;
    await new Promise((done) => setTimeout(done, 100));
  }
}
