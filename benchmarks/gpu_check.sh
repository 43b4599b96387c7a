#!/usr/bin/env bash
# The GPU checks of issue 6 in one run, prepared for a lent GPU machine (CUDA driver, CuPy, PyTorch,
# numpy, pytest, click, rich, xxhash there; no package registry), and sized to finish in 5 minutes.
#
#   here, once (needs PyPI):  bash benchmarks/gpu_check.sh --fetch-wheels
#       downloads the wheels the GPU machine lacks into .whl/ (git-ignored through .git/info/exclude)
#   there:                    bash benchmarks/gpu_check.sh
#       (the device tool's run, with carry [".whl"] and a timeout of 360 s) installs them and the project
#       without network, then runs: pytest -m gpu tests/cuda, benchmarks/bench_gpu.py, and
#       arrowio gpu-copy --verify --roundtrip of a 1 GiB file. Logs go to $OUT (or /tmp) as well.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime dependencies of arrowio that the GPU machine's image does not have (see KINDS.md there).
MISSING=(zstandard python-snappy cramjam brotli lz4 isal google-crc32c)

if [[ "${1:-}" == "--fetch-wheels" ]]; then
    python=.venv/bin/python
    [[ -x $python ]] || python=python3
    exclude=$(git rev-parse --git-path info/exclude)
    mkdir -p "$(dirname "$exclude")"
    grep -qx '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >>"$exclude"
    rm -rf .whl
    for name in "${MISSING[@]}"; do
        version=$($python -c "import importlib.metadata as m; print(m.version('$name'))")
        python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
            --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
            --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$name==$version"
    done
    ls -l .whl
    exit 0
fi

LOG_DIR=${OUT:-/tmp}
started=$SECONDS
step() { printf '\n=== %s (%ds)\n' "$1" $((SECONDS - started)); }
export PYTHONUNBUFFERED=1

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.free --format=csv || true
python3 -c "import cupy, sys; print('python', sys.version.split()[0], 'cupy', cupy.__version__)"

step "install"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
if ! python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . 2>"$LOG_DIR/install.log"; then
    # No usable setuptools there: map the import names onto the source folders instead.
    echo "pip could not install the project (see install.log); using the source folders"
    mkdir -p /tmp/arrowio_src
    ln -sfn "$PWD/core" /tmp/arrowio_src/arrowio
    ln -sfn "$PWD/arrowio_cli" /tmp/arrowio_src/arrowio_cli
    export PYTHONPATH=/tmp/arrowio_src${PYTHONPATH:+:$PYTHONPATH}
fi
python3 -c "import arrowio.cuda as c; r = c.unavailable_reason(0); print('device 0:', r or 'usable'); assert r is None"

status=0
step "pytest -m gpu tests/cuda"
timeout 150 python3 -m pytest -m gpu tests/cuda -q -rs -p no:cacheprovider 2>&1 | tee "$LOG_DIR/pytest_gpu.log" || status=1

step "bench_gpu.py"
timeout 120 python3 benchmarks/bench_gpu.py --rounds 3 --file /tmp/gpu_copy_4g.bin 2>&1 | tee "$LOG_DIR/bench_gpu.log" || status=1
rm -f /tmp/gpu_copy_4g.bin

step "gpu-copy --verify --roundtrip of 1 GiB"
python3 -c "
import os
block = os.urandom(64 << 20)
with open('/tmp/one_gib.bin', 'wb') as out:
    for _ in range(16):
        out.write(block)
"
timeout 60 python3 -m arrowio_cli gpu-copy --verify --roundtrip /tmp/one_gib.bin 2>&1 | tee "$LOG_DIR/gpu_copy.log" || status=1
timeout 60 python3 -m arrowio_cli gpu-copy --verify --roundtrip --json /tmp/one_gib.bin >"$LOG_DIR/gpu_copy.json" || status=1
rm -f /tmp/one_gib.bin

step "done, status $status"
exit $status
