#!/usr/bin/env node
// The `raft-ts` command. In a source checkout (src/ present) it runs the TypeScript through tsx, so that
// `npx raft-ts` works right after `npm ci`; in an installed package it runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source);
} else {
  await import('../dist/cli/main.js');
}
