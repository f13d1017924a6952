/**
 * What the fuzzer does to one module's file, and what it expects of it. The
 * model per module: every token written as a valid version (a response may
 * carry only those), and the token it must serve once everything on disk is
 * valid again (`expected`; undefined while the file is broken, missing or
 * not a regular file). A valid token is recorded before its bytes hit the
 * disk, so a response can never outrun the model.
 */
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { tokenOf, validSource } from './fuzz-app.ts';
import type { Rng } from './rng.ts';

export interface ModuleModel {
  name: string;
  valid: Set<string>;
  expected: string | undefined;
  /** Last revision number used (valid or not). */
  rev: number;
}

export const MUTATIONS = [
  'valid-edit',
  'atomic-save',
  'bom-crlf',
  'multi-mb',
  'written-in-parts',
  'syntax-error',
  'truncate',
  'empty',
  'random-bytes',
  'top-level-throw',
  'missing-import',
  'removed-export',
  'delete',
  'rename-away',
  'directory-in-place',
  'symlink',
] as const;
export type MutationKind = (typeof MUTATIONS)[number];

const WEIGHTS: Record<MutationKind, number> = {
  'valid-edit': 10,
  'atomic-save': 6,
  'bom-crlf': 2,
  'multi-mb': 0.5,
  'written-in-parts': 2,
  'syntax-error': 4,
  truncate: 3,
  empty: 2,
  'random-bytes': 2,
  'top-level-throw': 3,
  'missing-import': 2,
  'removed-export': 2,
  delete: 2,
  'rename-away': 1.5,
  'directory-in-place': 1,
  symlink: 1.5,
};

export function pickMutation(rng: Rng): MutationKind {
  return rng.weighted(WEIGHTS);
}

export function newModel(name: string): ModuleModel {
  return { name, valid: new Set([tokenOf(name, 0)]), expected: tokenOf(name, 0), rev: 0 };
}

export interface MutationContext {
  dir: string;
  rng: Rng;
  /** Pending second halves of files written in parts. */
  later: Promise<void>[];
}

export function filePath(dir: string, name: string): string {
  return join(dir, 'src', `${name}.ts`);
}

/** Applies one mutation synchronously (a file written in parts finishes later, in `ctx.later`). */
export function applyMutation(ctx: MutationContext, model: ModuleModel, kind: MutationKind): void {
  const file = filePath(ctx.dir, model.name);
  const rev = ++model.rev;
  const token = tokenOf(model.name, rev);
  const source = validSource(model.name, rev);
  const writeValid = (content: string, how: 'plain' | 'atomic' = 'plain'): void => {
    model.valid.add(token);
    model.expected = token;
    replaceWith(file, content, how, ctx.rng);
  };
  const writeBroken = (content: string): void => {
    model.expected = undefined;
    replaceWith(file, content, 'plain', ctx.rng);
  };
  switch (kind) {
    case 'valid-edit':
      return writeValid(source);
    case 'atomic-save':
      return writeValid(source, 'atomic');
    case 'bom-crlf':
      return writeValid(validSource(model.name, rev, { bom: ctx.rng.bool(), crlf: true }));
    case 'multi-mb':
      return writeValid(validSource(model.name, rev, { padding: ctx.rng.int(1, 4) * 1024 * 1024 }), ctx.rng.bool() ? 'atomic' : 'plain');
    case 'written-in-parts': {
      const cut = cutPoint(source, ctx.rng);
      model.valid.add(token);
      model.expected = undefined; // until the second part lands
      replaceWith(file, source.slice(0, cut), 'plain', ctx.rng);
      ctx.later.push(
        delay(ctx.rng.int(5, 60)).then(() => {
          // only if nothing else touched the module in between
          if (model.rev !== rev) return;
          writeFileSync(file, source);
          model.expected = token;
        }),
      );
      return;
    }
    case 'syntax-error':
      return writeBroken(`${source}\nconst = ;\n`);
    case 'truncate':
      return writeBroken(source.slice(0, cutPoint(source, ctx.rng)));
    case 'empty':
      return writeBroken('');
    case 'random-bytes':
      return writeBroken(`@@${randomText(ctx.rng, ctx.rng.int(1, 300))}`);
    case 'top-level-throw':
      return writeBroken(`${source}throw new Error('top-level throw in ${token}');\n`);
    case 'missing-import':
      return writeBroken(`import { nothing } from './does-not-exist-${rev}.ts';\n${source}void nothing;\n`);
    case 'removed-export':
      return writeBroken(source.replace('export function token', 'function tokenRemoved'));
    case 'delete':
      model.expected = undefined;
      rmSync(file, { recursive: true, force: true });
      return;
    case 'rename-away':
      model.expected = undefined;
      try {
        renameSync(file, `${file}.bak`);
      } catch {
        rmSync(file, { recursive: true, force: true });
      }
      return;
    case 'directory-in-place':
      model.expected = undefined;
      rmSync(file, { recursive: true, force: true });
      mkdirSync(file);
      writeFileSync(join(file, 'inside.txt'), 'a directory where a module was');
      return;
    case 'symlink': {
      // a valid version behind a symbolic link: it may or may not be what serves, but it is valid
      const target = join(ctx.dir, 'store', `${model.name}.r${rev}.ts`);
      mkdirSync(join(ctx.dir, 'store'), { recursive: true });
      writeFileSync(target, source);
      model.valid.add(token);
      model.expected = undefined;
      rmSync(file, { recursive: true, force: true });
      symlinkSync(target, file);
      return;
    }
    default:
      return kind satisfies never;
  }
}

/** Makes the module valid again as a regular file with a fresh revision (settling). */
export function restoreValid(dir: string, model: ModuleModel): void {
  const rev = ++model.rev;
  const token = tokenOf(model.name, rev);
  model.valid.add(token);
  model.expected = token;
  const file = filePath(dir, model.name);
  rmSync(file, { recursive: true, force: true });
  writeFileSync(file, validSource(model.name, rev));
}

function replaceWith(file: string, content: string, how: 'plain' | 'atomic', rng: Rng): void {
  // a directory or a symlink in the way goes first (an editor would replace it too)
  rmSync(file, { recursive: true, force: true });
  if (how === 'atomic') {
    const temp = rng.bool() ? `${file}.tmp` : join(file, '..', `.${file.split('/').pop() ?? 'x'}.swp`);
    writeFileSync(temp, content);
    renameSync(temp, file);
  } else {
    writeFileSync(file, content);
  }
}

/** A cut strictly inside `token()`'s body: the prefix never parses. */
function cutPoint(source: string, rng: Rng): number {
  const close = source.indexOf('\n}\n', source.indexOf('export function token'));
  return rng.int(0, Math.max(0, close));
}

function randomText(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(rng.int(0, 0xd7ff));
  return out;
}
