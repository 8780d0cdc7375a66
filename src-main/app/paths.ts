import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found by walking up from this file, so the same code works
 * from the sources (src-main/app), the compiled tree (dist/src-main/app) and the packaged asar.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * Where the app keeps its own state (recent projects, the demo project): `OCTDINO_HOME` when set
 * (tests, portable installs), else the platform's per-user data folder. The desktop shell passes
 * Electron's `userData` path instead.
 */
export function defaultAppHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OCTDINO_HOME) return path.resolve(env.OCTDINO_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'OCT DINO Studio');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'OCT DINO Studio');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'oct-dino-studio');
  }
}
