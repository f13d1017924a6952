/** `import.meta.hot.own(resource, release)`: a pool, a client, anything the hooks cannot see. */
import { creationStack, type TrackedResource } from './resource-scope.ts';

export function ownedResource(resource: unknown, release: (resource: never) => unknown): TrackedResource {
  let released = false;
  let failed = false;
  const name = (resource as { constructor?: { name?: string } } | null)?.constructor?.name;
  return {
    kind: 'owned',
    label: `own(${name && name !== 'Object' ? name : typeof resource})`,
    stack: creationStack(ownedResource),
    async release() {
      if (released) return;
      released = true;
      try {
        await release(resource as never);
      } catch (error) {
        failed = true;
        throw error;
      }
    },
    // A release that threw leaves the resource in the leak report.
    alive: () => failed,
  };
}
