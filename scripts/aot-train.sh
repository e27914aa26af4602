#!/usr/bin/env bash
# Trains hakmem's JDK 25 AOT cache (JEP 483/514/515): runs dev.hakmem.bench.Train -- the five
# workloads of the C build's PGO run (random-mixed WS 128/256/512, tiny-hot 16 B and 64 B, seed 42),
# each for a bounded time -- in one JVM started with -XX:AOTCacheOutput, which writes the cache at exit.
#
#   scripts/aot-train.sh [--seconds S] [--out FILE]     (default FILE: hakmem-bench/target/hakmem.aot)
#
# Needs a built tree (./hakmem build). Run it again after every build: the cache is only valid for
# the exact jars (paths, sizes, times) and JDK it was made with. Use it with
#   java -XX:AOTCache=hakmem-bench/target/hakmem.aot ...   (same -cp; see docs/aot.md)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
out=hakmem-bench/target/hakmem.aot
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if [ ! -f hakmem-bench/target/hakmem-bench.jar ]; then
    echo "aot-train: hakmem-bench/target/hakmem-bench.jar is missing; build first (./hakmem build)" >&2
    exit 2
fi
rm -f "$out"
# The class path must be the one the cache is later used with; the launcher's forks use the same
# (relative) entries when started from the repository root.
"$java" --enable-native-access=ALL-UNNAMED -XX:AOTCacheOutput="$out" \
    -cp 'hakmem-bench/target/hakmem-bench.jar:hakmem-bench/target/lib/*' \
    dev.hakmem.bench.Train "${args[@]+"${args[@]}"}" 2>&1 | grep -v '^\[.*\]\[warning\]\[aot\] Skipping' || true
if [ ! -s "$out" ]; then
    echo "aot-train: no cache written to $out" >&2
    exit 1
fi
echo "aot-train: wrote $out ($(du -h "$out" | cut -f1)); use it with -XX:AOTCache=$out (Launcher: --aot-cache $out)"
