// Builds a second copy of better-sqlite3 for Electron's ABI into native/electron/, leaving the
// Node build in node_modules untouched (the CLI, web mode and tests keep using that one).
// The desktop shell finds native/electron/better_sqlite3.node and points the core at it.
// Needs the internet (Electron's headers or a prebuilt binary): run it once on your machine
// after `npm install`:  npm run rebuild:electron
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const electronVersion = JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')).version;
const work = mkdtempSync(path.join(os.tmpdir(), 'octdino-sqlite-electron-'));
const copy = path.join(work, 'better-sqlite3');
cpSync(path.join(root, 'node_modules/better-sqlite3'), copy, { recursive: true });
rmSync(path.join(copy, 'build'), { recursive: true, force: true });

const run = (cmd, args) => execFileSync(cmd, args, { cwd: copy, stdio: 'inherit', env: { ...process.env, npm_config_nodedir: '' } });
try {
  try {
    run('npx', ['--yes', 'prebuild-install', '--runtime', 'electron', '--target', electronVersion]);
  } catch {
    console.log('No prebuilt binary; compiling against Electron headers…');
    run('npx', ['--yes', 'node-gyp', 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers']);
  }
  const out = path.join(root, 'native', 'electron');
  mkdirSync(out, { recursive: true });
  cpSync(path.join(copy, 'build', 'Release', 'better_sqlite3.node'), path.join(out, 'better_sqlite3.node'));
  console.log(`better-sqlite3 for Electron ${electronVersion} → ${path.join(out, 'better_sqlite3.node')}`);
} catch (err) {
  console.error(`Could not build better-sqlite3 for Electron ${electronVersion}: ${err.message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
