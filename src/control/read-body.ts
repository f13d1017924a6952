/**
 * Request bodies of the control API: read once, straight from the request's
 * stream, never more than a limit, whether the client sent a Content-Length
 * or chunks. (Hono's bodyLimit wraps a chunked body in a new Request, which
 * @hono/node-server's Request class cannot read without overriding the
 * process's globals: every chunked POST was a 500.)
 */
export type BodyResult = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'not-utf8' };

export async function readBodyLimited(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return { ok: false, reason: 'too-large' };
  const body = request.body;
  if (!body) return { ok: true, text: '' };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return { ok: false, reason: 'too-large' };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
}

/** Whether a Content-Type header names exactly `application/json` (parameters such as charset allowed). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type = ''] = value.split(';');
  return type.trim().toLowerCase() === 'application/json';
}
