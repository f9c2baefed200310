#!/usr/bin/env bash
# The GPU check of issue #19, on a lent device machine (bench/gpu/README.md says how to call it):
#   bash bench/gpu/run.sh receive .gpu/part-NN   keep one carried part of the kit (the machine keeps /tmp while warm)
#   bash bench/gpu/run.sh bench                  unpack the kit, render each family (OptiX, CUDA), run the augmentation
#   bash bench/gpu/run.sh bench --cpu            the same steps on a CPU, small (to test the kit where it was packed)
# Results: $OUT/gpu_families.jsonl, families.log, augment.log (or $GPU_KIT/out without $OUT).
set -uo pipefail
KIT=${GPU_KIT:-/tmp/synthscape-gpu}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
RESULTS=${OUT:-$KIT/out}
BUDGET=${GPU_BUDGET_S:-180}           # seconds of family renders per device (OptiX, then CUDA); a call may last 600 s

receive() {
    mkdir -p "$KIT/parts" && cp "$1"/* "$KIT/parts/" || exit 1
    echo "have $(ls "$KIT"/parts/kit.tar.xz.* | wc -l) of $(awk '$1=="parts"{print $2}' "$KIT/parts/MANIFEST") parts"
}

unpack() {
    [ -x "$KIT/root/bin/python3.11" ] && return 0
    (cd "$KIT/parts" && awk '$1=="part"{print $4"  "$2}' MANIFEST | sha256sum -c --quiet) \
        || { echo "error: kit parts missing or damaged in $KIT/parts (receive every part first)"; exit 1; }
    mkdir -p "$KIT/root" && cat "$KIT"/parts/kit.tar.xz.* | xz -d -T0 | tar -x -C "$KIT/root" || exit 1
}

kit_python() {       # the packed Python 3.11 with bpy; the driver's libraries (libcuda, libnvoptix) as the system has them
    local driver=""
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && driver="$driver:$d"; done
    LD_LIBRARY_PATH="$KIT/root/lib:$KIT/root/syslib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}$driver" \
    PYTHONHOME="$KIT/root" PYTHONPATH="$KIT/root/site-packages" PYTHONNOUSERSITE=1 PYTHONUNBUFFERED=1 \
    CUDA_CACHE_PATH="$KIT/cuda-cache" CUDA_CACHE_MAXSIZE=4294967296 "$KIT/root/bin/python3.11" "$@"
}

bench() {
    local cpu=${1:-}
    mkdir -p "$RESULTS"
    echo "[${SECONDS} s] unpacking the kit"
    unpack
    echo "[${SECONDS} s] unpacked"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    kit_python -c "import bpy, sys; print('kit: Python', sys.version.split()[0], 'bpy', bpy.app.version_string)" || exit 1
    cd "$REPO"
    if [ "$cpu" = "--cpu" ]; then
        first=(--devices cpu --families concept --size 64 --samples 1 --passes-size 64) last=()
        augment=(--steps 2 --size 64 --repeat 1)
    else
        first=(--devices optix --size 256 --samples 2) last=(--devices cuda --size 256 --samples 2)
        augment=(--sd15-shape --steps 20 --size 512 --repeat 2)
    fi
    # OptiX first (what users will run), then the augmentation, then CUDA with the time left
    families "${first[@]}" --budget "$BUDGET" --passes "$KIT/landmark512.npz"
    [ -f "$KIT/landmark512.npz" ] || { echo "error: no landmark passes for the augmentation"; exit 1; }
    echo "[${SECONDS} s] augmentation"
    # the augmentation runs on the machine's own Python (it has torch); the kit carries its missing pure-Python wheels
    local py=${AUG_PYTHON:-python3}
    "$py" -m pip install -q --no-index --no-deps --no-compile --target "$KIT/py-aug" "$KIT"/parts/*.whl || exit 1
    PYTHONPATH="$KIT/py-aug" PYTHONUNBUFFERED=1 "$py" bench/bench_augment.py --passes "$KIT/landmark512.npz" \
        "${augment[@]}" 2>&1 | tee "$RESULTS/augment.log"
    echo "[${SECONDS} s] families, last device"
    [ ${#last[@]} -gt 0 ] && families "${last[@]}" --budget "$BUDGET"
    return 0
}

families() {
    kit_python bench/gpu/families.py "$@" --out "$RESULTS/gpu_families.jsonl" 2>&1 | grep --line-buffered -v "^Warning" \
        | tee -a "$RESULTS/families.log"
}

case "${1:-}" in
    receive) receive "$2" ;;
    bench) bench "${2:-}" ;;
    *) echo "usage: bash bench/gpu/run.sh receive .gpu/part-NN | bench [--cpu]"; exit 2 ;;
esac
