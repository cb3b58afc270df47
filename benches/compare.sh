#!/usr/bin/env bash
# Side-by-side throughput: shuzhi analyze vs the Python peer (jieba + scikit-learn), on one synthetic corpus,
# in one run, alternating, ROUNDS rounds each: the peer, shuzhi on all cores, 1 and 2 threads, and raw
# jieba-rs cut (the project's own jieba-rs, texts in memory) on 1 and 2 threads (the limit). Also `shuzhi train`
# time on the shipped labels (TRAIN=0 skips it; TRAIN=2 also trains on ~10,000 replicated labels). With
# MEMORY=1, peak RSS of analyze on ~100 MB and ~1 GB of reports.
#
# The default 15,000 reports are about 52 MB (12,000 made 41.7 MB), so that start-up does not weigh on the rates.
#
#   benches/compare.sh [N_REPORTS=15000]
#   ROUNDS=3 MEMORY=1 TRAIN=2 benches/compare.sh 15000
#
# Run from anywhere; works in the repository root. Everything it makes goes under target/.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-15000}
ROUNDS=${ROUNDS:-3}
MEMORY=${MEMORY:-0}
TRAIN=${TRAIN:-1}
VENV=target/peer-venv
WORK=target/compare
mkdir -p "$WORK"

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (/usr/bin/time)" >&2
  apt-get install -y time >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r benches/peer/requirements.txt
fi
cargo build --release --quiet --bin shuzhi --example make_scale_corpus

SHUZHI=target/release/shuzhi
GEN=target/release/examples/make_scale_corpus
CORPUS=target/scale-$N
[ -d "$CORPUS" ] || "$GEN" --out "$CORPUS" --n "$N" --seed 7
BYTES=$(find "$CORPUS" -name '*.txt' -printf '%s\n' | awk '{s+=$1} END {print s}')

echo "corpus: $CORPUS, $N reports, $BYTES bytes; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME CMD...: one timed run; wall seconds and peak RSS (kB) appended to $WORK/NAME.tsv
run() {
  local name=$1
  shift
  local t="$WORK/$name.time"
  set +e
  /usr/bin/time -v -o "$t" "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
  local rc=$?
  set -e
  if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
    echo "$name failed (exit $rc):" >&2
    tail -5 "$WORK/$name.stderr" >&2
    exit 1
  fi
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$t")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$t")
  printf '%s\t%s\n' "$wall" "$rss" >>"$WORK/$name.tsv"
}

rm -f "$WORK"/*.tsv "$WORK"/cut[12].txt
for r in $(seq "$ROUNDS"); do
  run peer "$VENV/bin/python" benches/peer/peer.py "$CORPUS" --out "$WORK/peer-out"
  run analyze "$SHUZHI" analyze "$CORPUS" --out "$WORK/analyze-out" --quiet
  run analyze_t1 "$SHUZHI" analyze "$CORPUS" --out "$WORK/analyze-out" --quiet --threads 1
  run analyze_t2 "$SHUZHI" analyze "$CORPUS" --out "$WORK/analyze-out" --quiet --threads 2
  "$GEN" --cut-only "$CORPUS" --threads 1 --rounds 1 >>"$WORK/cut1.txt"
  "$GEN" --cut-only "$CORPUS" --threads 2 --rounds 1 >>"$WORK/cut2.txt"
done
grep -h 'peer:' "$WORK/peer.stderr" || true

# median wall (s), median MB/s, max peak RSS (MB)
stats() {
  python3 - "$WORK/$1.tsv" "$BYTES" <<'EOF'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
walls = [w for w, _ in rows]
med = statistics.median(walls)
print(f"{med:.2f} {float(sys.argv[2]) / 1e6 / med:.3f} {max(r for _, r in rows) / 1024:.0f} {' '.join(f'{w:.2f}' for w in walls)}")
EOF
}
# median of the rounds' cut rates (one line a round)
cut_rate() {
  sed -n 's/.*median \([0-9.]*\) MB\/s.*/\1/p' "$WORK/$1.txt" |
    python3 -c "import statistics, sys; print(f'{statistics.median(float(l) for l in sys.stdin):.2f}')"
}

read -r P_WALL P_RATE P_RSS P_ALL <<<"$(stats peer)"
read -r A_WALL A_RATE A_RSS A_ALL <<<"$(stats analyze)"
read -r A1_WALL A1_RATE A1_RSS A1_ALL <<<"$(stats analyze_t1)"
read -r A2_WALL A2_RATE A2_RSS A2_ALL <<<"$(stats analyze_t2)"
C1=$(cut_rate cut1)
C2=$(cut_rate cut2)
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

echo
echo "| measure | median MB/s | median wall s (all rounds) | peak RSS MB |"
echo "| --- | --- | --- | --- |"
echo "| peer (jieba + sklearn, 1 process) | $P_RATE | $P_WALL ($P_ALL) | $P_RSS |"
echo "| shuzhi analyze (all cores) | $A_RATE | $A_WALL ($A_ALL) | $A_RSS |"
echo "| shuzhi analyze --threads 1 | $A1_RATE | $A1_WALL ($A1_ALL) | $A1_RSS |"
echo "| shuzhi analyze --threads 2 | $A2_RATE | $A2_WALL ($A2_ALL) | $A2_RSS |"
echo "| jieba-rs cut, 1 thread (in memory) | $C1 | | |"
echo "| jieba-rs cut, 2 threads (in memory) | $C2 | | |"
echo
echo "analyze / peer (MB/s ratio): $(ratio "$A_RATE" "$P_RATE")"
echo "analyze 2 threads / peer: $(ratio "$A2_RATE" "$P_RATE")"
echo "analyze 2 threads / 1 thread: $(ratio "$A2_RATE" "$A1_RATE")"
echo "jieba cut 2 threads / 1 thread: $(ratio "$C2" "$C1")"
echo "analyze (2 threads) / jieba cut (2 threads): $(ratio "$A2_RATE" "$C2")"
echo "analyze (1 thread) / jieba cut (1 thread): $(ratio "$A1_RATE" "$C1")"

if [ "$TRAIN" != 0 ]; then
  rm -f "$WORK"/train*.tsv "$WORK"/mem_*.tsv
  run train "$SHUZHI" train --quiet --out "$WORK/model-shipped"
  run train_dual "$SHUZHI" train --quiet --solver dual --out "$WORK/model-shipped-dual"
  read -r T_WALL _ T_RSS _ <<<"$(stats train)"
  read -r TD_WALL _ TD_RSS _ <<<"$(stats train_dual)"
  echo "shuzhi train, shipped labels ($(grep -c . corpus/labels.jsonl) labels): ${T_WALL} s, peak RSS ${T_RSS} MB"
  echo "shuzhi train --solver dual, shipped labels: ${TD_WALL} s, peak RSS ${TD_RSS} MB"
fi
if [ "$TRAIN" = 2 ]; then
  # ~10,000 labelled statements: shipped labels replicated into a 1,000-report scale corpus (slow: see
  # BENCHMARKS.md).
  LCORPUS=target/scale-labelled
  [ -d "$LCORPUS" ] || "$GEN" --out "$LCORPUS" --n 1000 --seed 11 --labels 2>&1 | tail -1
  run train_scale_dual "$SHUZHI" train --quiet --solver dual --corpus "$LCORPUS" --out "$WORK/model-scale-dual"
  read -r TSD_WALL _ TSD_RSS _ <<<"$(stats train_scale_dual)"
  echo "shuzhi train --solver dual, replicated labels ($(grep -c . "$LCORPUS/labels.jsonl") labels): ${TSD_WALL} s, peak RSS ${TSD_RSS} MB"
  run train_scale "$SHUZHI" train --quiet --corpus "$LCORPUS" --out "$WORK/model-scale"
  read -r TS_WALL _ TS_RSS _ <<<"$(stats train_scale)"
  echo "shuzhi train (linfa), replicated labels ($(grep -c . "$LCORPUS/labels.jsonl") labels): ${TS_WALL} s, peak RSS ${TS_RSS} MB"
fi

if [ "$MEMORY" = 1 ]; then
  for size in 100M 1G; do
    # Units recur year after year in a real corpus: 20 name stems, at most 20 × the shipped kinds of unit.
    M=target/scale-bytes-$size-pool20
    [ -d "$M" ] || "$GEN" --out "$M" --bytes "$size" --seed 13 --name-pool 20 2>&1 | tail -1
    rm -f "$WORK/mem_$size.tsv"
    run "mem_$size" "$SHUZHI" analyze "$M" --out "$WORK/mem-out" --quiet
    MB=$(find "$M" -name '*.txt' -printf '%s\n' | awk '{s+=$1} END {print s}')
    read -r M_WALL _ M_RSS _ <<<"$(BYTES=$MB stats "mem_$size")"
    echo "analyze on $size ($MB bytes): ${M_WALL} s, $(python3 -c "print(f'{$MB/1e6/$M_WALL:.3f}')") MB/s, peak RSS ${M_RSS} MB"
  done
fi
