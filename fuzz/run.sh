#!/usr/bin/env bash
# Runs one fuzz target under ASan and UBSan with libFuzzer (clang-14):
#   fuzz/run.sh TARGET SECONDS        e.g. fuzz/run.sh smtp_session 600
# Builds build-fuzz/ (clang, -DMAILFLOW_FUZZ=ON -DMAILFLOW_SANITIZE=ON) when
# needed, starts from the seed corpus (fuzz/corpus/TARGET, grown in
# build-fuzz/corpus/TARGET) and writes any input that crashes or breaks an
# invariant to fuzz/regressions/TARGET/, which the unit tests then replay.
# Prints libFuzzer's summary, executions per second included.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
[[ -f "fuzz/${target}_fuzz.cpp" ]] || { echo "fuzz/run.sh: no target '$target' (fuzz/*_fuzz.cpp)" >&2; exit 2; }
build=${MAILFLOW_FUZZ_BUILD_DIR:-build-fuzz}
if ! command -v clang++-14 >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DMAILFLOW_FUZZ=ON -DMAILFLOW_SANITIZE=ON -DMAILFLOW_JEMALLOC=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${target}_fuzz"
mkdir -p "$build/corpus/$target" "fuzz/regressions/$target"
cp -n fuzz/corpus/"$target"/* "$build/corpus/$target/" 2>/dev/null || true
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$build/fuzz/${target}_fuzz" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
  -artifact_prefix="fuzz/regressions/$target/" "$build/corpus/$target"
