# Sourced by the benchmark scripts: builds the benchmark module (and what it needs) and sets CP.
# Run from the repository root. Set SKIP_BUILD=1 to reuse benchmarks/target as it is.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd)"

bench_build() {
  if [[ "${SKIP_BUILD:-0}" != "1" || ! -f "$BENCH_DIR/target/canary-gateway-benchmarks.jar" ]]; then
    echo "== building canary-gateway-benchmarks (mvn -pl benchmarks -am package -DskipTests)" >&2
    (cd "$ROOT_DIR" && mvn -q -B -pl benchmarks -am package -DskipTests) >&2
  fi
  CP="$BENCH_DIR/target/canary-gateway-benchmarks.jar:$BENCH_DIR/target/lib/*"
}

bench_machine() {
  echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $(java -version 2>&1 | head -1)"
  echo "== date: $(date -u +%Y-%m-%dT%H:%MZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
