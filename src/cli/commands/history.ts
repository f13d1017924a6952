/** `hotswap history [module] [--limit n] [--json]`: the versions the running process recorded, newest first. */
import { isAbsolute, resolve } from 'node:path';
import { clientFor, print } from './format.ts';
import { versionLines, type ShownVersion } from './version-lines.ts';

export interface HistoryFlags {
  limit?: number | string;
  json?: boolean;
  cwd?: string;
}

export async function historyCommand(module: string | undefined, flags: HistoryFlags): Promise<void> {
  const client = clientFor(flags);
  const query = new URLSearchParams();
  if (module !== undefined) query.set('module', isAbsolute(module) ? module : resolve(process.cwd(), module));
  if (flags.limit !== undefined) query.set('limit', String(flags.limit));
  const { versions } = await client.request<{ versions: ShownVersion[] }>('GET', `/api/history?${query}`);
  if (flags.json) {
    print(JSON.stringify(versions, null, 2));
    return;
  }
  if (versions.length === 0) print(module ? `no versions of ${module} recorded` : 'no versions recorded');
  for (const row of versions) for (const line of versionLines(row)) print(line);
}
