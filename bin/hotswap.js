#!/usr/bin/env node
// A source checkout runs src/ when Node strips types by itself (>= 22.18), so it never runs a
// stale build; an installed package (no src/) or an older Node runs the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/bin.ts', import.meta.url);
const built = new URL('../dist/cli/bin.js', import.meta.url);
const canRunSource = Boolean(process.features.typescript) && existsSync(source);
await import(canRunSource || !existsSync(built) ? source.href : built.href);
