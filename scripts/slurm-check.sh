#!/usr/bin/env bash
# Checks README's Slurm recipe on a real scheduler: starts a single-node Slurm cluster (munged, slurmctld,
# slurmd, all in a private temporary folder), submits `shuzhi analyze --shard K/N` as an array job
# (`sbatch --wait`), merges the shards with `shuzhi merge`, and compares every merged output byte for byte with
# one plain run. Stops the daemons it started and removes its folder at the end, pass or fail.
#
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge (no systemd needed):
#   apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge
# Usage: scripts/slurm-check.sh [CORPUS]   (default corpus/; SHARDS=N to change the number of shards, 3;
#        SHUZHI=path/to/shuzhi, default target/release/shuzhi, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
CORPUS=$(realpath "${1:-corpus}")
SHARDS=${SHARDS:-3}
SHUZHI=${SHUZHI:-$REPO/target/release/shuzhi}
[ -x "$SHUZHI" ] || cargo build --release --quiet
SHUZHI=$(realpath "$SHUZHI")
for p in munged slurmctld slurmd; do
  [ -x /usr/sbin/$p ] || { echo "slurm-check: /usr/sbin/$p missing (install slurmctld slurmd slurm-client munge)" >&2; exit 2; }
done
command -v sbatch >/dev/null || { echo "slurm-check: sbatch missing (install slurm-client)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/shuzhi-slurm.XXXXXX)
chmod 755 "$WORK"
PIDS=()
stop() {
  # Last started, first stopped: slurmd, slurmctld, then munged.
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$WORK"
}
trap stop EXIT

H=$(hostname)
export SLURM_CONF=$WORK/slurm.conf
mkdir -p "$WORK/ctld" "$WORK/d" "$WORK/out"
cat > "$SLURM_CONF" <<EOF
ClusterName=shuzhicheck
SlurmctldHost=$H
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
SlurmdSpoolDir=$WORK/d
StateSaveLocation=$WORK/ctld
SlurmUser=root
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
NodeName=$H CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=main Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOF

/usr/sbin/munged -F --force --socket="$WORK/munge.socket" --pid-file="$WORK/munged.pid" \
  --log-file="$WORK/munged.log" --seed-file="$WORK/munged.seed" >"$WORK/munged.out" 2>&1 &
PIDS+=($!)
/usr/sbin/slurmctld -D -f "$SLURM_CONF" >"$WORK/slurmctld.out" 2>&1 &
PIDS+=($!)
/usr/sbin/slurmd -D -f "$SLURM_CONF" -N "$H" >"$WORK/slurmd.out" 2>&1 &
PIDS+=($!)

up=
for _ in $(seq 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -q idle; then up=1; break; fi
  sleep 0.5
done
if [ -z "$up" ]; then
  echo "slurm-check: the node did not come up; logs:" >&2
  tail -n 20 "$WORK"/*.log "$WORK"/*.out >&2 || true
  exit 1
fi
sinfo

cat > "$WORK/job.sh" <<EOF
#!/bin/bash
#SBATCH --array=1-$SHARDS
#SBATCH --cpus-per-task=1
#SBATCH --chdir=$REPO
#SBATCH --output=$WORK/job-%a.log
"$SHUZHI" analyze "$CORPUS" --model models/default --shard \${SLURM_ARRAY_TASK_ID}/$SHARDS \
  --out "$WORK/out/shard\${SLURM_ARRAY_TASK_ID}" --quiet --threads 1
EOF
start=$(date +%s)
if ! sbatch --wait "$WORK/job.sh"; then
  echo "slurm-check: the array job failed; task logs:" >&2
  tail -n 20 "$WORK"/job-*.log >&2 || true
  exit 1
fi
echo "array job of $SHARDS tasks done in $(( $(date +%s) - start )) s"

shards=()
for k in $(seq "$SHARDS"); do shards+=("$WORK/out/shard$k"); done
"$SHUZHI" merge "${shards[@]}" --model models/default --out "$WORK/out/merged"
# The plain run exits 3 when some corpus files are skipped; the shards did the same.
"$SHUZHI" analyze "$CORPUS" --model models/default --out "$WORK/out/plain" --quiet || [ $? -eq 3 ]

fail=0
compared=0
for f in "$WORK"/out/merged/*; do
  name=$(basename "$f")
  # The run manifest describes how the files were made (shards, merge), so it differs by design.
  if [ "$name" = shuzhi-run.json ]; then
    echo "not compared: $name (the run manifest names the shards or the plain run)"; continue
  fi
  if [ ! -f "$WORK/out/plain/$name" ]; then
    echo "only merged: $name"; fail=1
  elif cmp -s "$f" "$WORK/out/plain/$name"; then
    echo "identical: $name"; compared=$((compared + 1))
  else
    echo "DIFFERS: $name"; fail=1
  fi
done
for f in "$WORK"/out/plain/*; do
  [ -e "$WORK/out/merged/$(basename "$f")" ] || { echo "only in the plain run: $(basename "$f")"; fail=1; }
done
if [ "$fail" -ne 0 ] || [ "$compared" -eq 0 ]; then
  echo "slurm-check: FAILED: merged shards differ from one plain run" >&2
  exit 1
fi
echo "slurm-check: passed: $SHARDS shards run by Slurm and merged are byte-identical to one plain run ($compared files)"
