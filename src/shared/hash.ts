import { createHash } from 'node:crypto';

/** SHA-256 hex of a module's source: the content address of a version. */
export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
