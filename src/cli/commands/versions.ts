/** `hotswap versions prune [--keep n]`: apply retention now (the newest n per module, every stable one, what runs). */
import { ERROR_CODES, HotswapError } from '../../errors.ts';
import { clientFor, print } from './format.ts';

export interface VersionsFlags {
  keep?: number | string;
  json?: boolean;
  cwd?: string;
}

export async function versionsCommand(action: string | undefined, flags: VersionsFlags): Promise<void> {
  if (action !== 'prune') throw new HotswapError(ERROR_CODES.USAGE, `Unknown versions action "${action ?? ''}"`, { hint: 'Use: hotswap versions prune [--keep n]' });
  const keep = flags.keep === undefined ? undefined : Number(flags.keep);
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1)) throw new HotswapError(ERROR_CODES.USAGE, `--keep must be a whole number >= 1, got "${flags.keep}"`);
  const client = clientFor(flags);
  const result = await client.request<{ removed: { versions: number; sources: number }; keep: number }>('POST', '/api/versions/prune', keep === undefined ? {} : { keep });
  if (flags.json) print(JSON.stringify(result, null, 2));
  else print(`pruned ${result.removed.versions} version(s) and ${result.removed.sources} unused source(s); kept the newest ${result.keep} per module and every stable one`);
}
