// Offline check of the desktop package layout: electron-builder packs app.asar with a stand-in
// Electron (installers themselves need downloads), then we list what went in and what stayed
// unpacked. Run after `npm run build`:  npm run pack:check
import { listPackage } from '@electron/asar';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'octdino-pack-'));
const electronDist = path.join(work, 'electron-dist');
mkdirSync(electronDist);
writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho stand-in\n', { mode: 0o755 });
const output = path.join(work, 'release');

try {
  execFileSync(
    'npx',
    ['electron-builder', '--linux', '--dir', `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${output}`],
    { cwd: root, stdio: 'inherit' },
  );
  const resources = path.join(output, 'linux-unpacked', 'resources');
  const files = listPackage(path.join(resources, 'app.asar'), { isPack: false }).map((f) => f.replaceAll('\\', '/'));
  const must = [
    '/package.json',
    '/dist/electron/main.js',
    '/dist/electron/preload.cjs',
    '/dist/renderer/index.html',
    '/dist/src-main/jobs/worker-main.js',
    '/resources/demo/demo-dataset.json',
    '/node_modules/better-sqlite3/package.json',
  ];
  const mustNot = ['/src-main', '/tests', '/renderer/src', '/electron/main.ts'];
  const missing = must.filter((f) => !files.includes(f));
  const leaked = mustNot.filter((f) => files.some((x) => x === f || x.startsWith(`${f}/`)));
  const unpacked = path.join(resources, 'app.asar.unpacked');
  const nativeUnpacked = existsSync(unpacked) && findFile(unpacked, 'better_sqlite3.node');
  console.log(`app.asar: ${files.length} entries; better_sqlite3.node unpacked: ${nativeUnpacked ? 'yes' : 'NO'}`);
  if (missing.length || leaked.length || !nativeUnpacked) {
    console.error(`pack check FAILED. missing: ${missing.join(', ') || '-'}; should not be packed: ${leaked.join(', ') || '-'}`);
    process.exitCode = 1;
  } else {
    console.log('pack check ok');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

function findFile(dir, name) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return true;
    if (entry.isDirectory() && findFile(full, name)) return true;
  }
  return false;
}
