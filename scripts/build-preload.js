// Bundles electron/preload.ts into one CommonJS file: Electron's sandboxed preloads can
// require only 'electron', so the script must be self-contained.
import { build } from 'esbuild';

await build({
  entryPoints: ['electron/preload.ts'],
  outfile: 'dist/electron/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
});
