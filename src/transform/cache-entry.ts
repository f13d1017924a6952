/**
 * The on-disk form of a transform cache entry and of a V8 code cache, and the
 * checks that make `.hotswap/cache` safe to read: anything in it may be
 * truncated, corrupted, of another shape, or edited by someone else. An entry
 * is used only when its header names the source it was made from (SHA-256 of
 * the source) and the SHA-256 of the payload matches (a one-character change
 * in the cached code is refused), and the payload has the shape the runner
 * expects. A V8 code cache carries the SHA-256 of its key and bytes (V8 checks
 * only the source length and its flags, so edited bytecode would otherwise
 * run). Anything else is reported as `rejected`: the caller transforms the
 * source again and rewrites the entry.
 */
import { createHash } from 'node:crypto';
import type { ExportRecord, ImportRecord } from './module-records.ts';
import type { ModuleFormat, TransformedModule } from './transform-module.ts';

/** Bump when the file layout changes (part of every cache key). */
export const CACHE_FORMAT = 'hs-cache-2';

const DIGEST_BYTES = 32;

interface EntryHeader {
  format: string;
  /** SHA-256 hex of the source the entry was made from. */
  sourceHash: string;
  /** SHA-256 hex of the payload (the rest of the file). */
  digest: string;
}

type Payload = Omit<TransformedModule, 'file'>;

export function encodeEntry(module: TransformedModule, sourceHash: string): string {
  const payload: Payload = { format: module.format, code: module.code, maps: module.maps, imports: module.imports, exports: module.exports };
  const body = JSON.stringify(payload);
  const header: EntryHeader = { format: CACHE_FORMAT, sourceHash, digest: sha256Hex(body) };
  return `${JSON.stringify(header)}\n${body}`;
}

/** The entry for `file` made from the source whose hash is `sourceHash`, or undefined when it cannot be trusted. */
export function decodeEntry(text: string, file: string, sourceHash: string): TransformedModule | undefined {
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  const header = parseJson(text.slice(0, newline));
  if (!isObject(header) || header['format'] !== CACHE_FORMAT || header['sourceHash'] !== sourceHash || typeof header['digest'] !== 'string') return undefined;
  const body = text.slice(newline + 1);
  if (sha256Hex(body) !== header['digest']) return undefined;
  const payload = parseJson(body);
  return isPayload(payload) ? { file, ...payload } : undefined;
}

/** A V8 code cache with its digest in front, bound to the entry's key. */
export function encodeCodeCache(key: string, data: Buffer): Buffer {
  return Buffer.concat([codeCacheDigest(key, data), data]);
}

export function decodeCodeCache(key: string, stored: Buffer): Buffer | undefined {
  if (stored.length <= DIGEST_BYTES) return undefined;
  const data = stored.subarray(DIGEST_BYTES);
  return codeCacheDigest(key, data).equals(stored.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

function codeCacheDigest(key: string, data: Buffer): Buffer {
  return createHash('sha256').update(key).update('\0').update(data).digest();
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const FORMATS: readonly ModuleFormat[] = ['esm', 'cjs', 'json'];
const IMPORT_KINDS: readonly string[] = ['static', 'dynamic', 'require', 'reexport'];

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isImportRecord(value: unknown): value is ImportRecord {
  return (
    isObject(value) &&
    typeof value['specifier'] === 'string' &&
    IMPORT_KINDS.includes(value['kind'] as string) &&
    isStringArray(value['names']) &&
    typeof value['topLevel'] === 'boolean' &&
    (value['members'] === undefined || isStringArray(value['members'])) &&
    Number.isInteger(value['line']) &&
    Number.isInteger(value['column'])
  );
}

function isExportRecord(value: unknown): value is ExportRecord {
  if (!isObject(value)) return false;
  const declares = value['declares'];
  return typeof value['name'] === 'string' && typeof value['local'] === 'boolean' && typeof value['mutable'] === 'boolean' && (declares === undefined || declares === 'class' || declares === 'function');
}

function isPayload(value: unknown): value is Payload {
  return (
    isObject(value) &&
    FORMATS.includes(value['format'] as ModuleFormat) &&
    typeof value['code'] === 'string' &&
    isStringArray(value['maps']) &&
    Array.isArray(value['imports']) &&
    value['imports'].every(isImportRecord) &&
    Array.isArray(value['exports']) &&
    value['exports'].every(isExportRecord)
  );
}
