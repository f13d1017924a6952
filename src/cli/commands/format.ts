/** Small text helpers shared by the control commands (stdout is their product). */
import { resolve } from 'node:path';
import { styleText } from 'node:util';
import type { SerializedError } from '../../errors.ts';
import { connectControl, type ControlClient } from '../../control/control-client.ts';

export type Color = 'red' | 'green' | 'yellow' | 'gray' | 'bold' | 'cyan';

export function color(name: Color, text: string): string {
  return styleText(name, text, { stream: process.stdout, validateStream: true });
}

export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** The client for `--cwd` (or the current directory). */
export function clientFor(flags: { cwd?: string }): ControlClient {
  return connectControl(resolve(flags.cwd ?? process.cwd()));
}

export function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(value >= 10 ? 1 : 2)} ms`;
}

export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function ago(at: number, now = Date.now()): string {
  return `${duration(Math.max(0, (now - at) / 1000))} ago`;
}

export function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/** `file:line:col CODE: text`, the code frame and the hint, indented. */
export function errorLines(error: SerializedError, indent = '  '): string[] {
  const where = error.location ? `${error.location.file}:${error.location.line}:${error.location.column} ` : '';
  const lines = [`${where}${error.code}: ${error.text}`];
  if (error.frame) lines.push(...error.frame.split('\n'));
  if (error.hint) lines.push(`hint: ${error.hint}`);
  return lines.map((l) => `${indent}${l}`);
}

/** A value on one readable line: JSON without quotes around keys, cut at `max` characters. */
export function compact(value: unknown, max = 160): string {
  let text: string;
  try {
    text = JSON.stringify(value, (key, v: unknown) => (key === 'stack' || key === 'detail' ? undefined : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/"(\w+)":/g, '$1: ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
