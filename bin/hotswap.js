#!/usr/bin/env node
// Published builds run dist/; a source checkout without a build runs src/ (Node >= 22.18 strips types).
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/bin.js', import.meta.url);
await import(existsSync(built) ? built.href : new URL('../src/cli/bin.ts', import.meta.url).href);
