#!/usr/bin/env node
// Launcher for the `octdino` command. In a source checkout it runs the TypeScript sources
// through tsx, so the CLI always matches the code; in a built package it runs the compiled JS.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src-main', 'cli', 'index.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'src-main', 'cli', 'index.js')).href);
}
