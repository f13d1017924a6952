/** A plugin's own error (a handler, hook, route or cleanup threw): the app's, never HS_INTERNAL, which would blame hotswap. */
import { ERROR_CODES, HotswapError, isHotswapError } from '../errors.ts';

/** Wraps a non-hotswap error under HS_PLUGIN_ERROR; its stack stays as the cause (`detail` when serialized). */
export function asPluginError(error: unknown): unknown {
  if (isHotswapError(error)) return error;
  return new HotswapError(ERROR_CODES.PLUGIN_ERROR, error instanceof Error ? error.message : String(error), { cause: error });
}
