// Makes every app icon from the one SVG source, resources/icon.svg:
//   resources/icons/NxN.png  16…1024 px (Linux: electron-builder takes the folder; AppImage, deb)
//   resources/icon.png       512 px (the window icon at run time, and the fallback)
//   resources/icon.ico       Windows (NSIS, the .exe): PNG-compressed entries 16…256 px
//   resources/icon.icns      macOS (dmg, the .app): PNG entries ic07…ic10 (128…1024 px) and their
//                            @2x aliases ic11…ic14, plus icp4/icp5 for 16/32 px
// Run after editing the SVG and commit the outputs:  npm run icons
// (electron-builder would convert a PNG itself, but only with tools it downloads; these files
// let the installers build without that step.)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encodeIcns, encodeIco, ICNS_PNG_TYPES } from './icon-files.js';

const root = path.resolve(import.meta.dirname, '..');
const resources = path.join(root, 'resources');
const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const ICNS_TYPES = Object.entries(ICNS_PNG_TYPES);

async function renderPng(svg, size) {
  // Render at the target density, not by scaling a bitmap, so small sizes stay sharp.
  // The SVG is 512 units wide: 72 dpi renders it at 512 px.
  return sharp(svg, { density: (72 * size) / 512 })
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

async function main() {
  const svg = readFileSync(path.join(resources, 'icon.svg'));
  const pngs = new Map();
  for (const size of PNG_SIZES) pngs.set(size, await renderPng(svg, size));
  const dir = path.join(resources, 'icons');
  mkdirSync(dir, { recursive: true });
  for (const [size, png] of pngs) writeFileSync(path.join(dir, `${size}x${size}.png`), png);
  writeFileSync(path.join(resources, 'icon.png'), pngs.get(512));
  writeFileSync(path.join(resources, 'icon.ico'), encodeIco(ICO_SIZES.map((size) => ({ size, png: pngs.get(size) }))));
  writeFileSync(path.join(resources, 'icon.icns'), encodeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: pngs.get(size) }))));
  console.log(`icons: ${PNG_SIZES.length} PNGs in resources/icons, icon.png, icon.ico (${ICO_SIZES.length} sizes), icon.icns (${ICNS_TYPES.length} entries)`);
}

await main();
