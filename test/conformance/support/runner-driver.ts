/**
 * Child-process driver for the differential check: loads an entry with
 * hotswap's runner (first evaluation only) and prints a thrown error in the
 * same one-line shape as node-driver.mjs, so the two outputs compare exactly.
 */
import { createRuntime } from '../../../src/index.ts';
import { isHotswapError } from '../../../src/errors.ts';

const [root, entry] = process.argv.slice(2) as [string, string];
const runtime = createRuntime({ root, watch: false, cacheDir: false });
try {
  await runtime.import(entry);
} catch (error) {
  // A named import of a missing export: Node's link-time SyntaxError, our HS_MISSING_EXPORT.
  if (isHotswapError(error) && error.code === 'HS_MISSING_EXPORT') console.log('THROWS link error');
  else {
    const cause = isHotswapError(error) && error.cause !== undefined ? error.cause : error;
    console.log(`THROWS ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
  }
}
await runtime.close();
