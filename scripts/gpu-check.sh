#!/usr/bin/env bash
# The GPU check (issue 15), for a machine with an NVIDIA GPU and a CUDA build of PyTorch:
#   1. builds promptlab against the LibTorch inside that PyTorch (-DPROMPTLAB_CUDA=ON) into build-gpu/;
#   2. runs the parity tests, and the device-path tests with PROMPTLAB_TEST_DEVICE set: CLIP features
#      on the GPU within 1e-3 of the CPU's, CoOp and GCSCoOp trained through the framework's loop to
#      the same losses and contexts;
#   3. runs a short CoOp and GCSCoOp (tiny_shapes, seed 1) on the GPU and on the CPU, and checks
#      that every run finishes and that their accuracies agree within 2 points;
#   4. times one training step of each with bench-speed at ViT-B/16's dimensions on the GPU.
# Meant to finish within 10 minutes on one GPU and 16 cores. Everything it prints is also in
# OUT/gpu-check.log.
#
# Usage: scripts/gpu-check.sh [--device cuda:0] [--python PY] [--build DIR] [--deps DIR] [--out DIR]
#   --deps DIR   .deb files of the Debian packages the build needs, unpacked under the build folder
#                and put on CMake's and the loader's paths: for a machine without them (a PyTorch
#                image). scripts/gpu-deps.sh DIR fetches them on a Debian 12 machine.
#   --device cpu --torch system   runs the same steps on this CPU build's LibTorch (a dry run of
#                the script itself: it compares the CPU with itself).
set -euo pipefail
cd "$(dirname "$0")/.."

device=cuda:0
python=
build=build-gpu
deps=
out=gpu-check-out
torch_source=python
while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --deps) deps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --torch) torch_source=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$torch_source" in python|system) ;; *) echo "gpu-check: --torch must be python or system, got '$torch_source'" >&2; exit 2 ;; esac
mkdir -p "$out" "$build"
out=$(cd "$out" && pwd)
build=$(cd "$build" && pwd)
log=$out/gpu-check.log
exec > >(tee "$log") 2>&1

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
started=$SECONDS

# The Python that provides LibTorch (--torch python) and runs the reference scripts of the tests.
if [[ "$torch_source" == python ]]; then python=${python:-python3}; fi
test_env=()
if [[ -n "$python" ]]; then test_env=("PROMPTLAB_TEST_PYTHON=$(command -v "$python")"); fi

step "machine"
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; fi
echo "device: $device; cores: $(nproc)"

cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release)
if [[ "$torch_source" == python ]]; then
  "$python" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "available:", torch.cuda.is_available())'
  cmake_args+=(-DPROMPTLAB_CUDA=ON "-DPROMPTLAB_PYTHON=$(command -v "$python")")
fi

if [[ -n "$deps" ]]; then
  step "unpacking the Debian packages in $deps"
  sysroot=$build/deps-root
  mkdir -p "$sysroot"
  shopt -s nullglob
  debs=("$deps"/*.deb)
  [[ ${#debs[@]} -gt 0 ]] || { echo "gpu-check: no .deb files in $deps" >&2; exit 2; }
  for f in "${debs[@]}"; do dpkg-deb -x "$f" "$sysroot"; done
  # Development links name absolute paths (libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.13): point
  # them at the copy unpacked here.
  while IFS= read -r link; do
    target=$(readlink "$link")
    if [[ "$target" = /* && -e "$sysroot$target" ]]; then ln -sfn "$sysroot$target" "$link"; fi
  done < <(find "$sysroot" -type l)
  multiarch=$sysroot/usr/lib/x86_64-linux-gnu
  cmake_args+=("-DCMAKE_PREFIX_PATH=$sysroot/usr;$multiarch/cmake" "-DCMAKE_LIBRARY_PATH=$multiarch"
               "-DCMAKE_INCLUDE_PATH=$sysroot/usr/include")
  export PKG_CONFIG_PATH=$multiarch/pkgconfig:$sysroot/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  export PKG_CONFIG_SYSROOT_DIR=$sysroot
  export LD_LIBRARY_PATH=$multiarch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

step "build ($build)"
cmake -S . -B "$build" "${cmake_args[@]}" >"$out/configure.log" || { tail -40 "$out/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" >"$out/build.log" 2>&1 || { grep -m 20 -B2 -A8 'error' "$out/build.log"; exit 1; }
echo "built in $((SECONDS - started)) s"
promptlab=$build/bin/promptlab

step "parity and device-path tests"
export PROMPTLAB_TEST_TMP=$build/test-tmp
mkdir -p "$PROMPTLAB_TEST_TMP"
env "${test_env[@]}" PROMPTLAB_TEST_DEVICE="$device" ctest --test-dir "$build" --output-on-failure -j 4 --timeout 300 \
  -R 'Parity|DevicePath|ClipTiny'

step "short runs on $device and on the cpu"
runs=$out/runs
rm -rf "$runs"
mkdir -p "$runs"
for side in device cpu; do
  where=$device
  [[ "$side" == cpu ]] && where=cpu
  for method in coop gcscoop; do
    "$promptlab" --db "$runs/$side.db" run --method "$method" --dataset tiny_shapes --seed 1 \
      --set train.epochs=5 --set "model.device=$where" >"$runs/$side-$method.log" 2>&1 ||
      { echo "gpu-check: $method on $where failed:"; tail -20 "$runs/$side-$method.log"; exit 1; }
  done
  "$promptlab" --db "$runs/$side.db" results --format csv >"$runs/$side.csv"
done
# The two tables, cell by cell (awk: the machine's Python may be any).
awk -F, -v device="$device" '
  FNR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  FILENAME ~ /device.csv$/ { base[$1 "/" $2] = $col["base_mean"]; new[$1 "/" $2] = $col["new_mean"]; next }
  { key = $1 "/" $2
    if (!(key in base)) { print "gpu-check: " key " has no result on " device; bad = 1; next }
    db = base[key] - $col["base_mean"]; dn = new[key] - $col["new_mean"]
    if (db < 0) db = -db; if (dn < 0) dn = -dn
    if (db > worst) worst = db; if (dn > worst) worst = dn
    printf "%-8s %-12s base %7.3f on %s, %7.3f on the cpu; new %7.3f, %7.3f\n", $1, $2, base[key], device, $col["base_mean"], new[key], $col["new_mean"] }
  END { printf "largest difference: %.3f points (allowed: 2)\n", worst; exit (bad || worst > 2) }
' "$runs/device.csv" "$runs/cpu.csv"

step "bench-speed on $device (ViT-B/16 dimensions, random weights)"
for method in coop gcscoop cocoop; do
  batch=32; classes=100
  [[ "$method" == cocoop ]] && { batch=4; classes=10; }
  "$promptlab" bench-speed --method "$method" --preset vitb16 --n-cls "$classes" --batch "$batch" \
    --steps 5 --device "$device" | tee -a "$out/bench-speed.jsonl"
done

step "done in $((SECONDS - started)) s"
