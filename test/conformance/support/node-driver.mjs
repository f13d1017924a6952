// Child-process driver for the differential check: loads an entry with Node's own
// module loader and prints a thrown error in the shape runner-driver.ts uses.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [root, entry] = process.argv.slice(2);
try {
  await import(pathToFileURL(join(root, entry)).href);
} catch (error) {
  const link = error instanceof SyntaxError && /does not provide an export named|ambiguous|conflicting star exports/.test(error.message);
  console.log(link ? 'THROWS link error' : `THROWS ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
}
