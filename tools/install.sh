#!/usr/bin/env bash
# Idempotent set-up of the wna environment in <repo>/.venv.
#
#   bash tools/install.sh            # create/refresh .venv (seconds when already done)
#
# Steps (each prints what it does and is skipped when already satisfied):
#   0. (first, outside the venv) Debian's chromium + chromium-driver for the browser test
#      (tests/test_webui_browser.py), only when run as root where apt-get exists and CI or
#      WNA_INSTALL_CHROMIUM=1 is set (WNA_INSTALL_CHROMIUM=0 never); a failure there only
#      warns: the browser test then skips, naming what is missing.
#   1. .venv with pip and setuptools < 82 (mmengine/mim/mmcv's setup.py need pkg_resources);
#   2. torch 2.13.0 + torchvision 0.28.0 from the package registry (their default builds;
#      local find-links folders are ignored for this step, because a CPU-only torch there
#      breaks the registry's torchvision at import);
#   3. mmcv 2.0.1 with compiled ops, from the first of:
#        a. the wheel cache   $WNA_WHEEL_CACHE (default ~/.cache/wna/wheels),
#           keyed by mmcv, torch and Python versions and the platform;
#        b. a prebuilt wheel in ../shared/wheels (or $WNA_SHARED_WHEELS) that matches
#           the Python tag and platform and imports against the installed torch;
#        c. a source build of mmcv 2.0.1 as C++17 (30-60 minutes on 2 cores), whose wheel
#           is then stored in the cache. CUDA is hidden from that build, so only CPU ops
#           are compiled even on a GPU machine (WnA uses no mmcv op; mmocr only imports
#           mmcv.ops). The compiler wrapper rewrites mmcv 2.0.1's hard-coded -std=c++14,
#           which torch >= 2.1 headers reject.
#   4. requirements.txt, then requirements-webui.txt (the web demo's Gradio and the
#      browser test's Selenium, constrained by requirements.txt; skipped with WNA_WEBUI=0),
#      then `pip check`.
#
# Environment: PYTHON (interpreter for the venv, default python3),
#              WNA_WHEEL_CACHE, WNA_SHARED_WHEELS, MAX_JOBS (parallel compile jobs),
#              WNA_WEBUI (0: no web demo packages), WNA_INSTALL_CHROMIUM, CI.
set -euo pipefail

say() { printf '\033[1m[install]\033[0m %s\n' "$*"; }
warn() { printf '\033[33m[install] WARNING:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[install] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY_BOOT="${PYTHON:-python3}"
TORCH_VERSION=2.13.0
TORCHVISION_VERSION=0.28.0
MMCV_VERSION=2.0.1
STAMP="$VENV/.wna-installed"
# Everything that decides the environment's content; a change re-runs the steps.
WEBUI="${WNA_WEBUI:-1}"
want_stamp() {
    { cat "$ROOT/requirements.txt" "$ROOT/tools/install.sh"
      [ "$WEBUI" = 0 ] || cat "$ROOT/requirements-webui.txt"; } | sha256sum | cut -d' ' -f1
}

# ----------------------------------------------------- 0. chromium for the browser test
want_chromium() {
    case "${WNA_INSTALL_CHROMIUM:-}" in
        0) return 1 ;;
        1) ;;
        *) [ -n "${CI:-}" ] || return 1 ;;
    esac
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null
}
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    : # already there (the browser test finds them)
elif want_chromium; then
    say "installing Debian's chromium + chromium-driver for the browser test"
    apt_opts=(-q -o Acquire::Retries=2 -o Acquire::http::Timeout=60)
    if ! { apt-get "${apt_opts[@]}" update >/dev/null \
            && DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y \
                --no-install-recommends chromium chromium-driver >/dev/null; }; then
        warn "could not install chromium + chromium-driver; the browser test will be skipped"
    fi
fi

command -v "$PY_BOOT" >/dev/null || die "no Python interpreter '$PY_BOOT' (set PYTHON=...)"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(want_stamp)" ] \
    && "$VENV/bin/python" -c "import mmcv._ext, mmocr, torch" 2>/dev/null; then
    say "environment in .venv is up to date (delete .venv/.wna-installed to force a re-check)"
    exit 0
fi

# ---------------------------------------------------------------------------------- 1. venv
if [ ! -x "$VENV/bin/python" ]; then
    say "creating .venv with $("$PY_BOOT" --version 2>&1)"
    "$PY_BOOT" -m venv "$VENV" || die "could not create $VENV (is the venv module installed?)"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
say "pip, wheel and setuptools<82"
"${PIP[@]}" install -q --upgrade pip "setuptools<82" wheel ninja

# -------------------------------------------------------------------------------- 2. torch
have_version() {  # have_version DIST VERSION -> 0 when that exact version is installed
    "$PY" - "$1" "$2" <<'PYEOF'
import sys
from importlib import metadata
try:
    sys.exit(0 if metadata.version(sys.argv[1]).split('+')[0] == sys.argv[2] else 1)
except metadata.PackageNotFoundError:
    sys.exit(1)
PYEOF
}
torch_is_registry_build() {  # the CPU-only local build carries a "+cpu" local version
    "$PY" -c "import sys, torch; sys.exit('+cpu' in torch.__version__)" 2>/dev/null
}
if have_version torch "$TORCH_VERSION" && have_version torchvision "$TORCHVISION_VERSION" \
    && torch_is_registry_build \
    && "$PY" -c "import torchvision.ops" 2>/dev/null; then
    say "torch $TORCH_VERSION and torchvision $TORCHVISION_VERSION already installed"
else
    say "installing torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION from the registry" \
        "(default builds, about 5 GB with their CUDA libraries; they also run on CPU)"
    PIP_FIND_LINKS=' ' "${PIP[@]}" install --upgrade-strategy only-if-needed \
        -c "$ROOT/requirements.txt" "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" \
        || die "torch/torchvision install failed (see pip's message above)"
    torch_is_registry_build || die "a CPU-only local torch build was installed; torchvision" \
        "0.28.0 cannot import with it. Remove it (pip uninstall torch) and re-run."
fi

# --------------------------------------------------------------------------------- 3. mmcv
PYTAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
PLAT="$("$PY" -c 'import sysconfig; print(sysconfig.get_platform().replace("-", "_").replace(".", "_"))')"
CACHE_ROOT="${WNA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wna/wheels}"
CACHE_DIR="$CACHE_ROOT/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PYTAG-$PLAT"
SHARED_WHEELS="${WNA_SHARED_WHEELS:-$ROOT/../shared/wheels}"

mmcv_ops_work() {  # mmcv_ops_work [verbose]
    local err=/dev/null
    [ "${1:-}" = verbose ] && err=/dev/stderr
    "$PY" -c "import mmcv, mmcv._ext; from mmcv.ops import nms; assert mmcv.__version__ == '$MMCV_VERSION'" \
        2>"$err"
}
try_mmcv_wheel() {  # try_mmcv_wheel WHEEL -> installs it, keeps it only if its ops import
    say "trying mmcv wheel $1"
    # mmcv's own dependencies (mmengine, ...) come from requirements.txt's pins.
    PIP_FIND_LINKS=' ' "${PIP[@]}" install -q -c "$ROOT/requirements.txt" "$1" || return 1
    if mmcv_ops_work verbose; then return 0; fi
    say "  its compiled ops do not load with this torch/Python; removing it"
    "${PIP[@]}" uninstall -q -y mmcv
    return 1
}
build_mmcv_wheel() {  # builds mmcv from its source distribution into $CACHE_DIR
    local work
    work="$(mktemp -d)"
    say "building mmcv $MMCV_VERSION from source with CPU ops as C++17 (30-60 min on 2 cores)"
    say "  downloading the source distribution"
    # No build isolation: mmcv's setup.py imports torch and pkg_resources (setuptools < 82).
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation \
        "mmcv==$MMCV_VERSION" -d "$work" \
        || die "could not download the mmcv $MMCV_VERSION source distribution"
    # A compiler wrapper: mmcv 2.0.1 hard-codes -std=c++14; torch >= 2.1 needs C++17.
    local real_cxx
    real_cxx="$(command -v "${CXX:-c++}" || command -v g++)" || die "no C++ compiler (install g++)"
    cat > "$work/cxx17" <<EOF
#!/usr/bin/env bash
args=()
for a in "\$@"; do [ "\$a" = "-std=c++14" ] && a="-std=c++17"; args+=("\$a"); done
exec "$real_cxx" "\${args[@]}"
EOF
    chmod +x "$work/cxx17"
    say "  compiling (log: $work/build.log)"
    mkdir -p "$CACHE_DIR"
    if ! (cd "$work" && CXX="$work/cxx17" CUDA_VISIBLE_DEVICES='' FORCE_CUDA=0 MMCV_WITH_OPS=1 \
            MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$CACHE_DIR" \
            "$work"/mmcv-"$MMCV_VERSION".tar.gz >"$work/build.log" 2>&1); then
        tail -n 40 "$work/build.log" >&2
        die "mmcv build failed; full log in $work/build.log"
    fi
    rm -rf "$work"
}

if mmcv_ops_work; then
    say "mmcv $MMCV_VERSION with compiled ops already installed"
else
    done_mmcv=0
    for whl in "$CACHE_DIR"/mmcv-"$MMCV_VERSION"-*.whl; do
        [ -f "$whl" ] && try_mmcv_wheel "$whl" && done_mmcv=1 && break
    done
    if [ "$done_mmcv" = 0 ] && [ -d "$SHARED_WHEELS" ]; then
        for whl in "$SHARED_WHEELS"/mmcv-"$MMCV_VERSION"-"$PYTAG"-"$PYTAG"-"$PLAT".whl; do
            if [ -f "$whl" ] && try_mmcv_wheel "$whl"; then
                done_mmcv=1
                mkdir -p "$CACHE_DIR" && cp "$whl" "$CACHE_DIR/"
                say "  cached in $CACHE_DIR"
                break
            fi
        done
    fi
    if [ "$done_mmcv" = 0 ]; then
        say "no matching mmcv wheel in $CACHE_DIR or $SHARED_WHEELS"
        build_mmcv_wheel
        for whl in "$CACHE_DIR"/mmcv-"$MMCV_VERSION"-*.whl; do
            try_mmcv_wheel "$whl" && done_mmcv=1 && break
        done
        [ "$done_mmcv" = 1 ] || die "the freshly built mmcv wheel does not import"
        say "  built wheel cached in $CACHE_DIR"
    fi
fi

# ------------------------------------------------------------------------- 4. requirements
say "installing requirements.txt"
PIP_FIND_LINKS=' ' "${PIP[@]}" install -q -r "$ROOT/requirements.txt" \
    || die "requirements install failed (see pip's message above)"
if [ "$WEBUI" != 0 ]; then
    say "installing requirements-webui.txt (the web demo and its browser test)"
    PIP_FIND_LINKS=' ' "${PIP[@]}" install -q -c "$ROOT/requirements.txt" \
        -r "$ROOT/requirements-webui.txt" \
        || die "web demo requirements install failed (see pip's message above; WNA_WEBUI=0" \
            "skips them)"
fi
say "pip check"
"${PIP[@]}" check || die "pip check reports conflicts (see above)"
"$PY" -c "import mmocr.models, mmocr.datasets, mmocr.evaluation" \
    || die "mmocr does not import (see the traceback above)"
want_stamp > "$STAMP"
say "done: $("$PY" -c 'import torch, mmcv, mmocr; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmocr {mmocr.__version__}")')"
