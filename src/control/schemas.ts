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

/** The `control` block of hotswap.config.ts / package.json "hotswap" (or `false`: no control server). */
export const ControlOptionsSchema = v.strictObject(
  {
    /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
    port: v.optional(v.pipe(v.number('must be a number'), v.integer('must be an integer'), v.minValue(0, 'must be 0-65535'), v.maxValue(65535, 'must be 0-65535'))),
    /** Origins of host pages that may embed the panel and read the API with the read token. @default [] */
    allowOrigins: v.optional(v.array(OriginSchema, 'must be an array of origins')),
  },
  'must be false or an object { port?, allowOrigins? }',
);

export type ControlOptions = v.InferOutput<typeof ControlOptionsSchema>;

/** `false` (off), the options, or a message naming each bad key. */
export function parseControlConfig(value: unknown): { options: ControlOptions | false } | { error: string } {
  if (value === false) return { options: false };
  // valibot's object schemas take arrays too (typeof [] is 'object')
  if (Array.isArray(value)) return { error: 'control: must be false or an object { port?, allowOrigins? }' };
  const parsed = v.safeParse(ControlOptionsSchema, value ?? {});
  return parsed.success ? { options: parsed.output } : { error: describeIssues(parsed.issues, 'control') };
}

/** One line naming the key and what is wrong with it. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], prefix = ''): string {
  return issues
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
      const where = [prefix, path].filter(Boolean).join('.');
      // strictObject reports an unknown key as "Expected never"
      const message = issue.expected === 'never' ? 'unknown key' : issue.message;
      return where ? `${where}: ${message}` : message;
    })
    .join('; ');
}
