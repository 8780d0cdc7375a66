#!/usr/bin/env bash
# GPU check, run ON a lent GPU machine (no Node, no network) from the repo root, with the
# folders scripts/device/make-gpu-bundle.sh built carried along (.device, .gl). Writes to $OUT:
#
#   gpu-check.log        everything printed, part by part
#   summary.json         each part: exit code, seconds, ok / failed / timed out / skipped
#   adapter.json         Dawn's adapter (vendor, description, limits) and `octdino engine`
#   parity.json          cpu vs webgpu on a tiny ViT, 2 DINO steps (webgpu-parity.ts)
#   parity-resnet.json   the same with a narrow ResNet-18 (convolution gradients)
#   bench-webgpu.json    `octdino bench dino-step --backend webgpu`, ViT-Tiny/16 and ViT-Small/16
#   bench-torch.json     tests/bench/dino_step_reference.py, same settings, on CUDA and on the CPU
#   knn-scale.jsonl      tests/bench/ml/dino-knn.bench.ts on webgpu: k-NN of a ViT-Tiny pretraining
#
# Every part runs under `timeout` against one overall deadline, and a part that fails, hangs or
# has no time left is recorded and the next one runs (set -u, deliberately no set -e).
# Local run (software Vulkan, tiny sizes; ~6 min on 2 cores):
#   OUT=/tmp/gpu-out GPU_CHECK_BATCH=1 GPU_CHECK_STEPS=1 GPU_CHECK_GLOBAL=32 GPU_CHECK_LOCAL=16 \
#   GPU_CHECK_LOCAL_CROPS=1 GPU_CHECK_OUT_DIM=64 GPU_CHECK_BENCH_LIMIT=400 GPU_CHECK_DEADLINE=1200 \
#   PYTHON=/usr/bin/python3 \
#   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json bash scripts/device/gpu-check.sh
set -u
cd "$(dirname "$0")/../.."
START=$(date +%s)
DEADLINE=$((START + ${GPU_CHECK_DEADLINE:-265}))
OUT=${OUT:-$PWD/.device-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu-check.log") 2>&1

BATCH=${GPU_CHECK_BATCH:-32}
STEPS=${GPU_CHECK_STEPS:-5}
GLOBAL=${GPU_CHECK_GLOBAL:-112}
LOCAL=${GPU_CHECK_LOCAL:-48}
LOCAL_CROPS=${GPU_CHECK_LOCAL_CROPS:-4}
OUT_DIM=${GPU_CHECK_OUT_DIM:-4096}
PYTHON=${PYTHON:-python3}
RUN=${GPU_CHECK_RUN_DIR:-/tmp/octdino-device}
PARTS=$RUN/parts
NODE=$RUN/node
APP=$RUN/octdino-device.mjs

SUMMARY=$RUN/summary.tsv
mkdir -p "$RUN"
: >"$SUMMARY"

# part NAME LIMIT_S CMD...: stdout to $PARTS/NAME.out, stderr to the log; never stops the script.
part() {
  local name=$1 limit=$2
  shift 2
  # GPU_CHECK_ONLY="unpack knn-scale" runs just those parts (a rerun of one that failed).
  if [ -n "${GPU_CHECK_ONLY:-}" ] && [[ " $GPU_CHECK_ONLY " != *" $name "* ]]; then return 0; fi
  local left=$((DEADLINE - $(date +%s)))
  if [ "$left" -lt 10 ]; then
    echo "== $name: skipped, ${left}s left before the deadline"
    printf '%s\t%s\t%s\t%s\n' "$name" skipped "" 0 >>"$SUMMARY"
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name (limit ${limit}s): $*"
  local t0 t1 rc status
  t0=$(date +%s.%N)
  timeout -k 5 "$limit" "$@" >"$PARTS/$name.out"
  rc=$?
  t1=$(date +%s.%N)
  case $rc in
    0) status=ok ;;
    124 | 137) status=timed_out ;;
    *) status=failed ;;
  esac
  echo "== $name: $status (exit $rc, $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s)"
  head -c 4000 "$PARTS/$name.out"
  echo
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$rc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')" >>"$SUMMARY"
  return 0
}

unxz_to() { # FILE.xz DEST: xz if present, else Python's lzma
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"; else "$PYTHON" -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; fi
}

unpack() {
  # Vulkan loader (the machine has the NVIDIA driver and its ICD, not always libvulkan.so.1).
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  rm -rf "$RUN/node_modules" "$RUN/octdino-device.mjs" && mkdir -p "$PARTS"
  # package.json: the app's version lookup walks up from the bundle to find one.
  cp -r .device/node_modules .device/octdino-device.mjs package.json "$RUN/" &&
    unxz_to .device/node.xz "$NODE" && chmod +x "$NODE" &&
    unxz_to .device/node_modules/webgpu/dist/linux-x64/dawn.node.xz "$RUN/node_modules/webgpu/dist/linux-x64/dawn.node" &&
    rm "$RUN/node_modules/webgpu/dist/linux-x64/dawn.node.xz" && "$NODE" --version
}

mkdir -p "$PARTS"
echo "gpu-check $(date -u +%FT%TZ) on ${HOSTNAME:-?}; batch $BATCH, steps $STEPS, crops 2x$GLOBAL + ${LOCAL_CROPS}x$LOCAL, out-dim $OUT_DIM"
export RUN NODE PYTHON PARTS
part unpack 60 bash -c "$(declare -f unxz_to unpack); unpack"
part nvidia-smi 15 nvidia-smi -L
# The NVIDIA Vulkan driver, where the machine keeps it outside the loader's search path.
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && [ -f "$ICD" ]; then
  export VK_DRIVER_FILES=$ICD VK_ICD_FILENAMES=$ICD
fi
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"

ADAPTER_JS="
  const { create } = await import('$RUN/node_modules/webgpu/index.js');
  const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
  const pick = (o) => { const r = {}; for (const k in o) if (typeof o[k] !== 'function') r[k] = o[k]; return r; };
  console.log(JSON.stringify(adapter ? { info: pick(adapter.info), limits: pick(adapter.limits), features: [...adapter.features] } : { error: 'no adapter' }));
  process.exit(0);"
part adapter 30 "$NODE" --input-type=module -e "$ADAPTER_JS"
# No adapter through that driver file: let the loader search its default places instead.
if ! grep -q '"info"' "$PARTS/adapter.out" 2>/dev/null && [ -n "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  echo "no adapter with VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}: retrying without"
  unset VK_DRIVER_FILES VK_ICD_FILENAMES
  part adapter-default-icds 30 "$NODE" --input-type=module -e "$ADAPTER_JS"
  cp "$PARTS/adapter-default-icds.out" "$PARTS/adapter.out"
fi
part engine 30 "$NODE" "$APP" engine --json

# Forced: a software adapter is accepted when asked for by name, a real GPU always.
export OCTDINO_BACKEND=webgpu
part parity 75 "$NODE" "$APP" parity
unset OCTDINO_BACKEND

# Dawn compiles every shader at the first (untimed) step. Locally, on SwiftShader, one ViT-Tiny
# step takes minutes even at batch 1: raise GPU_CHECK_BENCH_LIMIT and GPU_CHECK_DEADLINE there.
BENCH_LIMIT=${GPU_CHECK_BENCH_LIMIT:-90}
bench() { # NAME ARCH -> webgpu bench of the issue's setting
  part "$1" "$BENCH_LIMIT" "$NODE" "$APP" bench dino-step --arch "$2" --patch 16 --global-size "$GLOBAL" --local-size "$LOCAL" \
    --local-crops "$LOCAL_CROPS" --batch "$BATCH" --out-dim "$OUT_DIM" --steps "$STEPS" --backend webgpu --json
}
torch() { # NAME DEVICE EMBED DEPTH HEADS
  part "$1" 60 "$PYTHON" tests/bench/dino_step_reference.py --device "$2" --embed "$3" --depth "$4" --heads "$5" \
    --patch 16 --global-size "$GLOBAL" --local-size "$LOCAL" --local-crops "$LOCAL_CROPS" --batch "$BATCH" --out-dim "$OUT_DIM" --steps "$STEPS"
}
# PyTorch's two thread pools fight over the cores without it (ENVIRONMENT.md).
export OMP_WAIT_POLICY=PASSIVE
# Most wanted first: whatever the deadline cuts comes last.
bench webgpu-vit_tiny vit_tiny
torch torch-cuda-vit_tiny cuda 192 12 3
bench webgpu-vit_small vit_small
torch torch-cuda-vit_small cuda 384 12 6
torch torch-cpu-vit_tiny cpu 192 12 3
torch torch-cpu-vit_small cpu 384 12 6
export OCTDINO_BACKEND=webgpu
part parity-resnet 60 "$NODE" "$APP" parity --resnet
unset OCTDINO_BACKEND
# Does pretraining at a realistic size beat the untrained network's k-NN? (GPU_CHECK_KNN_ARGS
# overrides the run; it stops itself after --max-seconds and prints a summary line.)
KNN_ARGS=${GPU_CHECK_KNN_ARGS:---backend webgpu --arch vit_tiny --patch 16 --patients 128 --slices 4 --size 128 --global-size 112 --local-size 48 --local-crops 4 --batch 64 --out-dim 4096 --steps 300 --eval-every 50 --max-seconds 150}
# shellcheck disable=SC2086
part knn-scale "${GPU_CHECK_KNN_LIMIT:-200}" "$NODE" "$APP" knn $KNN_ARGS

# Collect the parts into at most 8 files (the device hands back no more).
"$PYTHON" - "$PARTS" "$SUMMARY" "$OUT" "$START" <<'PY'
import json, sys, time
parts, summary, out, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
status = {}
for line in open(summary):
    name, st, rc, secs = (line.rstrip('\n').split('\t') + ['', '', ''])[:4]
    status[name] = {'status': st, 'exit': int(rc) if rc else None, 'seconds': float(secs or 0)}
def result(name):
    s = status.get(name, {'status': 'not run'})
    try:
        text = open(f'{parts}/{name}.out').read()
    except OSError:
        text = ''
    try:
        # The JSON a part prints is its last top-level value (the bench prints one object).
        value = json.loads(text[text.index('{'):]) if '{' in text else None
    except ValueError:
        value = {'unparsed': text[-2000:]}
    return {**s, 'result': value}
def write(file, value):
    with open(f'{out}/{file}', 'w') as f:
        json.dump(value, f, indent=2)
write('adapter.json', {'adapter': result('adapter'), 'engine': result('engine')})
write('parity.json', result('parity'))
write('parity-resnet.json', result('parity-resnet'))
write('bench-webgpu.json', {k: result(f'webgpu-{k}') for k in ('vit_tiny', 'vit_small')})
write('bench-torch.json', {f'{d}-{k}': result(f'torch-{d}-{k}') for d in ('cuda', 'cpu') for k in ('vit_tiny', 'vit_small')})
try:
    with open(f'{out}/knn-scale.jsonl', 'w') as f:
        f.write(open(f'{parts}/knn-scale.out').read())
except OSError:
    pass
write('summary.json', {'seconds': round(time.time() - start, 1), 'parts': status})
PY
echo "gpu-check done in $(($(date +%s) - START)) s: $(cut -f1,2 "$SUMMARY" | tr '\t\n' ': ')"
