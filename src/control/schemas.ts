/**
 * Schemas for what crosses the control plane's trust boundary: request bodies
 * and the `control` config block. valibot: tree-shakable, typed, and its
 * issues carry the path of the offending key for a precise message.
 */
import * as v from 'valibot';

/** `POST /api/reload`: `{}` re-runs everything, `{ file }` reloads a file, `{ module }` a loaded module. */
export const ReloadBodySchema = v.pipe(
  v.strictObject({
    file: v.optional(v.pipe(v.string(), v.nonEmpty('"file" must not be empty'), v.maxLength(4096))),
    module: v.optional(v.pipe(v.string(), v.nonEmpty('"module" must not be empty'), v.maxLength(4096))),
  }),
  v.check((body) => body.file === undefined || body.module === undefined, 'give either "file" or "module", not both'),
);

export type ReloadBody = v.InferOutput<typeof ReloadBodySchema>;

const OriginSchema = v.pipe(
  v.string(),
  v.check((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
    } catch {
      return false;
    }
  }, 'each entry of control.allowOrigins must be an origin such as "http://127.0.0.1:3000" (scheme, host and port; no path, no trailing slash)'),
);

/** The `control` block of hotswap.config.ts / package.json "hotswap". */
export const ControlConfigSchema = v.union([
  v.literal(false),
  v.strictObject({
    /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
    port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535))),
    /** Origins of host pages that may embed the panel and read the API with the read token. @default [] */
    allowOrigins: v.optional(v.array(OriginSchema)),
  }),
]);

export type ControlConfig = v.InferOutput<typeof ControlConfigSchema>;

/** One line naming the key and what is wrong with it. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], prefix = ''): string {
  return issues
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
      const where = [prefix, path].filter(Boolean).join('.');
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
