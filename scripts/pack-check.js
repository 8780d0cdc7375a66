// Offline check of the desktop package (part of `npm test`; run after `npm run build`):
//   npm run pack:check
// Installers need downloads (Electron, AppImage/NSIS/dmg tools), so electron-builder packs the
// Linux app folder (`--dir`) with a stand-in Electron and no native rebuild. That runs the real
// files/asar/asarUnpack/extraMetadata configuration; then we read app.asar back and check:
// the app code and its entry points are in; sources, tests, source maps and dev-only packages
// are out; every native binary (.node, libvips) and .wasm file is unpacked next to the asar;
// an optional TensorFlow binding is packed when installed and skipped without error when not;
// Dawn (webgpu) is packed with the target platform's binary only;
// the icons every installer names exist and decode at the sizes they declare.
import { extractFile, listPackage, statFile } from '@electron/asar';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ICNS_PNG_TYPES, pngSize, readIcns, readIco } from './icon-files.js';

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'octdino-pack-'));
const electronDist = path.join(work, 'electron-dist');
mkdirSync(electronDist);
writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho stand-in\n', { mode: 0o755 });
const output = path.join(work, 'release');
const problems = [];
const fail = (message) => problems.push(message);

try {
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const args = ['electron-builder', '--linux', '--dir', `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${output}`];
  const packed = spawnSync(npx, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (packed.status !== 0) {
    // electron-builder's log is long (every module it copies); show its end only on failure.
    console.error(`${packed.stdout}\n${packed.stderr}`.split('\n').slice(-40).join('\n'));
    throw new Error(`electron-builder ${args.slice(1).join(' ')} failed (exit ${packed.status})`);
  }
  const appDir = path.join(output, 'linux-unpacked');
  const resources = path.join(appDir, 'resources');
  const asar = path.join(resources, 'app.asar');
  const unpackedDir = path.join(resources, 'app.asar.unpacked');
  const files = listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
  const has = (f) => files.includes(f);

  // The app itself, and its entry points as the packaged package.json names them.
  const must = [
    '/package.json',
    '/dist/electron/main.js',
    '/dist/electron/security.js',
    '/dist/electron/pdf-renderer.js',
    '/dist/electron/preload.cjs',
    '/dist/renderer/index.html',
    '/dist/src-main/api/core.js',
    '/dist/src-main/jobs/worker-main.js',
    '/bin/octdino.js',
    '/resources/demo/demo-dataset.json',
    '/resources/icon.png',
    '/node_modules/better-sqlite3/package.json',
    '/node_modules/sharp/package.json',
    '/node_modules/@tensorflow/tfjs/package.json',
    '/node_modules/@tensorflow/tfjs-backend-wasm/package.json',
    // The scripts of the wasm thread pool (src-main/ml/engine/wasm-threads.ts writes them out).
    '/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
    '/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js',
    '/node_modules/zod/package.json',
  ];
  for (const f of must.filter((x) => !has(x))) fail(`missing from app.asar: ${f}`);
  const pkg = JSON.parse(extractFile(asar, 'package.json').toString('utf8'));
  const main = `/${path.posix.normalize(pkg.main ?? 'index.js')}`;
  if (!has(main)) fail(`package.json main "${pkg.main}" is not in app.asar`);
  if (pkg.type !== 'module') fail('package.json lost "type": "module" (dist/ is ES modules)');
  if (!existsSync(path.join(appDir, 'oct-dino-studio')) && !existsSync(path.join(appDir, 'OCT DINO Studio'))) fail('no app executable in linux-unpacked');

  // Nothing that is not the built app.
  const notShipped = ['/src-main', '/electron', '/renderer', '/tests', '/scripts', '/native/electron/.gitkeep', '/release', '/.test-results', '/node_modules/.bin'];
  for (const dir of notShipped) if (files.some((x) => x === dir || x.startsWith(`${dir}/`))) fail(`should not be packed: ${dir}`);
  const devOnly = ['electron', 'electron-builder', 'vitest', 'vite', 'typescript', 'eslint', 'svelte-check', 'jsdom', '@electron/asar'];
  for (const name of devOnly) if (has(`/node_modules/${name}/package.json`)) fail(`dev-only package packed: ${name}`);
  const maps = files.filter((f) => f.endsWith('.map'));
  if (maps.length) fail(`source maps packed (${maps.length}), e.g. ${maps[0]}`);
  const sources = files.filter((f) => /\.(ts|mts|cts|tsx|svelte)$/.test(f));
  if (sources.length) fail(`TypeScript/Svelte sources packed (${sources.length}), e.g. ${sources[0]}`);
  const testFiles = files.filter((f) => /\.(test|spec)\.[cm]?js$/.test(f) && f.startsWith('/dist/'));
  if (testFiles.length) fail(`test files packed: ${testFiles.slice(0, 3).join(', ')}`);

  // Native code and WebAssembly: unpacked (the asar header says so, and the file is on disk).
  const nativeFiles = files.filter((f) => /\.(node|wasm|dll|dylib)$/.test(f) || /\.so(\.\d+)*$/.test(f));
  for (const f of nativeFiles) {
    if (!statFile(asar, f.slice(1)).unpacked) fail(`inside the asar (cannot be loaded from there): ${f}`);
    else if (!existsSync(path.join(unpackedDir, f))) fail(`marked unpacked but not in app.asar.unpacked: ${f}`);
  }
  const expectNative = [
    /^\/node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/,
    /^\/node_modules\/@img\/sharp-[^/]+\/lib\/sharp-[^/]+\.node$/,
    /^\/node_modules\/@img\/sharp-libvips-[^/]+\/lib\/libvips-cpp\./,
    /^\/node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/tfjs-backend-wasm\.wasm$/,
    /^\/node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/tfjs-backend-wasm-simd\.wasm$/,
    /^\/node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/tfjs-backend-wasm-threaded-simd\.wasm$/,
  ];
  for (const re of expectNative) if (!nativeFiles.some((f) => re.test(f))) fail(`no unpacked file matching ${re}`);

  // Optional TensorFlow bindings: packed (with their native part unpacked) exactly when installed.
  const optional = [];
  for (const name of Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).optionalDependencies ?? {})) {
    const installed = existsSync(path.join(root, 'node_modules', name, 'package.json'));
    const inAsar = has(`/node_modules/${name}/package.json`);
    optional.push(`${name}: ${installed ? 'installed' : 'not installed'}, ${inAsar ? 'packed' : 'not packed'}`);
    if (installed !== inAsar) fail(`optional ${name} is ${installed ? 'installed but not packed' : 'packed but not installed'}`);
    // tfjs-backend-webgpu is plain JavaScript; its native part is Dawn (the `webgpu` package).
    const native = name !== '@tensorflow/tfjs-backend-webgpu';
    if (inAsar && native && !nativeFiles.some((f) => f.startsWith(`/node_modules/${name}/`) && f.endsWith('.node'))) fail(`optional ${name} packed without its .node binding`);
  }
  // Dawn: the target's own binary only (linux-x64 here), not the ~21 MB of each other platform.
  if (has('/node_modules/webgpu/package.json')) {
    const dawn = nativeFiles.filter((f) => f.startsWith('/node_modules/webgpu/dist/'));
    const own = `/node_modules/webgpu/dist/linux-${process.arch}/dawn.node`;
    if (!dawn.includes(own)) fail(`webgpu packed without ${own}`);
    const others = dawn.filter((f) => f !== own);
    if (others.length) fail(`webgpu packed with other platforms' Dawn files: ${others.join(', ')}`);
  }

  // Icons named by electron-builder.yml exist and decode.
  const config = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
  const iconPaths = [...config.matchAll(/^\s*(?:icon|installerIcon|uninstallerIcon):\s*(\S+)\s*$/gm)].map((m) => m[1]);
  for (const needed of ['resources/icons', 'resources/icon.ico', 'resources/icon.icns']) if (!iconPaths.includes(needed)) fail(`electron-builder.yml does not use ${needed}`);
  for (const rel of new Set(iconPaths)) {
    const file = path.join(root, rel);
    if (!existsSync(file)) {
      fail(`icon missing: ${rel}`);
      continue;
    }
    try {
      checkIcon(rel, file);
    } catch (err) {
      fail(`icon ${rel}: ${err.message}`);
    }
  }

  console.log(`app.asar: ${files.length} entries, ${nativeFiles.length} native/wasm files unpacked; ${optional.join('; ') || 'no optional dependencies'}; icons: ${[...new Set(iconPaths)].join(', ')}`);
} catch (err) {
  fail(err.message);
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length) {
  console.error(`pack check FAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('pack check ok');
}

function checkIcon(rel, file) {
  if (rel.endsWith('.ico')) {
    const sizes = readIco(readFileSync(file));
    for (const e of sizes) if (e.width !== e.declared || e.height !== e.declared) throw new Error(`entry declares ${e.declared} px, holds ${e.width}x${e.height}`);
    for (const s of [16, 32, 48, 256]) if (!sizes.some((e) => e.width === s)) throw new Error(`no ${s} px image`);
  } else if (rel.endsWith('.icns')) {
    const chunks = readIcns(readFileSync(file));
    for (const c of chunks) {
      const want = ICNS_PNG_TYPES[c.type];
      if (want !== undefined && (c.width !== want || c.height !== want)) throw new Error(`${c.type} should be a ${want} px PNG, is ${c.width}x${c.height}`);
    }
    for (const t of ['ic07', 'ic08', 'ic09', 'ic10']) if (!chunks.some((c) => c.type === t)) throw new Error(`no ${t} entry`);
  } else if (rel.endsWith('.png')) {
    const size = pngSize(readFileSync(file));
    if (!size || size.width < 256 || size.width !== size.height) throw new Error('not a square PNG of at least 256 px');
  } else {
    // Linux: a folder of NxN.png files.
    for (const s of [16, 32, 48, 64, 128, 256, 512]) {
      const png = path.join(file, `${s}x${s}.png`);
      const size = existsSync(png) ? pngSize(readFileSync(png)) : null;
      if (!size || size.width !== s || size.height !== s) throw new Error(`${s}x${s}.png missing or not ${s} px`);
    }
  }
}
