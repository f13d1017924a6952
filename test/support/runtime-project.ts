/** A temporary project loaded by a runtime (no disk cache), both closed and removed when the test ends. */
import type { TestContext } from 'node:test';
import { createRuntime } from '../../src/index.ts';
import { createProject, type TempProject } from './project.ts';

export function runtimeProject(t: Pick<TestContext, 'after'>, files: Record<string, string>): { p: TempProject; rt: ReturnType<typeof createRuntime> } {
  const p = createProject(files);
  const rt = createRuntime({ root: p.dir, cacheDir: false });
  t.after(async () => {
    await rt.close();
    p.cleanup();
  });
  return { p, rt };
}
