/**
 * Who may talk to the control server.
 * - Tokens: the admin token may do everything; the read token (for the
 *   embeddable panel, whose page a host serves to its users) may only read.
 *   Compared in constant time over SHA-256 digests, so neither the content
 *   nor the length of the expected token leaks through timing.
 * - Host: must name this server (127.0.0.1:PORT or localhost:PORT). A DNS
 *   rebinding page reaches 127.0.0.1 under its own host name and is refused.
 * - Origin: absent (CLI, curl), this server, or an allow-listed host page.
 *   `null` and every other origin are refused before any route runs.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenScope = 'admin' | 'read';

export interface ControlTokens {
  admin: string;
  read: string;
}

export function createTokens(): ControlTokens {
  return { admin: randomBytes(32).toString('base64url'), read: randomBytes(32).toString('base64url') };
}

export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The scope a request's `Authorization` header grants, or undefined. */
export function scopeOf(header: string | undefined, tokens: ControlTokens): TokenScope | undefined {
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const given = match?.[1];
  if (given === undefined) return undefined;
  // Compare against both every time, so the scope that matched does not show in the timing either.
  const admin = tokensEqual(given, tokens.admin);
  const read = tokensEqual(given, tokens.read);
  return admin ? 'admin' : read ? 'read' : undefined;
}

/** Host header values that name this server. */
export function selfHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** Origins of this server's own pages. */
export function selfOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

export type OriginVerdict = 'none' | 'self' | 'allowed' | 'refused';

export function classifyOrigin(origin: string | undefined, port: number, allowOrigins: ReadonlySet<string>): OriginVerdict {
  if (origin === undefined) return 'none';
  if (selfOrigins(port).has(origin)) return 'self';
  if (allowOrigins.has(origin)) return 'allowed';
  return 'refused';
}
