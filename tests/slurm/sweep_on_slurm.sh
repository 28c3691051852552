#!/usr/bin/env bash
# A sweep through a real Slurm: a single-node cluster started here (scripts/slurm-local.sh) runs
# `bench --executor slurm` of 2 methods x 2 embedded datasets x 1 seed. Checks that
#   - every cell ends finished in the merged store, and collecting again adds nothing;
#   - the table equals the same sweep run locally with --jobs 1;
#   - a task cancelled with scancel is reported interrupted after a collect, and a resubmission
#     resumes its run and finishes it (one run in the store, not two).
# Needs root, slurm-wlm and munge; otherwise it skips (exit 77). Under PROMPTLAB_REQUIRE_SLURM=1
# (CI) missing packages are a failure instead.
#
#   tests/slurm/sweep_on_slurm.sh PROMPTLAB SOURCE_DIR WORK_DIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 PROMPTLAB SOURCE_DIR WORK_DIR" >&2; exit 2; }
promptlab=$1
src=$2
work=$3

skip() {
  if [ "${PROMPTLAB_REQUIRE_SLURM:-0}" = 1 ]; then
    echo "FAIL: $1 (PROMPTLAB_REQUIRE_SLURM=1 asks for the Slurm test)" >&2
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the Slurm test starts slurmd, which needs root (this runs as uid $(id -u))"
  exit 77
fi
command -v sbatch >/dev/null 2>&1 && [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/munged ] ||
  skip "slurm-wlm or munge is not installed (scripts/install-deps.sh installs both)"

rm -rf "$work"
mkdir -p "$work"
cluster=$work/cluster
trap '"$src/scripts/slurm-local.sh" stop "$cluster" || true' EXIT
"$src/scripts/slurm-local.sh" start "$cluster"
export SLURM_CONF=$cluster/slurm.conf

# One thread everywhere, so that the Slurm tasks and the local run sum in the same order.
pl() { "$promptlab" --threads 1 "$@"; }
grid=(--methods coop,gcscoop --datasets tiny_shapes,tiny_colors --seeds 1 --set train.epochs=3)

echo "== the sweep with --jobs 1"
start=$(date +%s%N)
pl --db "$work/local.db" bench "${grid[@]}" --jobs 1 --format csv > "$work/local.csv"
echo "   wall time $(( ($(date +%s%N) - start) / 1000000 )) ms"

echo "== the sweep on Slurm (bench --executor slurm --wait)"
start=$(date +%s%N)
pl --db "$work/main.db" bench "${grid[@]}" --executor slurm --sweep "$work/sweep" --wait --poll 1 --format csv \
  > "$work/slurm.csv"
echo "   wall time $(( ($(date +%s%N) - start) / 1000000 )) ms"
cat "$work/slurm.csv"
diff "$work/local.csv" "$work/slurm.csv" || fail "the Slurm sweep's table differs from the --jobs 1 table"
echo "   the table equals the --jobs 1 table"

pl sweep status "$work/sweep" | tee "$work/status.txt"
grep -q '^4 finished$' "$work/status.txt" || fail "not every cell is finished"
finished=$(sqlite3 "$work/main.db" "SELECT count(*) FROM runs WHERE status = 'finished'")
[ "$finished" = 4 ] || fail "the merged store holds $finished finished runs, not 4"
pl sweep collect "$work/sweep" 2> "$work/collect.txt"
cat "$work/collect.txt"
grep -q '0 runs added, 0 updated, 4 already there' "$work/collect.txt" || fail "collecting again changed the store"
[ "$(sqlite3 "$work/main.db" 'SELECT count(*) FROM runs')" = 4 ] || fail "collecting again added runs"

echo "== the same grid again: every cell is finished, nothing is submitted"
pl --db "$work/main.db" bench "${grid[@]}" --executor slurm > /dev/null 2> "$work/again.txt"
cat "$work/again.txt"
grep -q 'nothing to submit' "$work/again.txt" || fail "a finished grid was submitted again"

echo "== a cancelled task, collected, then resubmitted"
# A longer run (seed 2, 40 epochs), cancelled once it has checkpointed an epoch. Its sweep sits in
# the store's own sweeps folder, where a new bench looks for cells still queued or running.
long=(--methods coop --datasets tiny_shapes --seeds 2 --set train.epochs=40)
sweep2=$work/main.db.d/sweeps/long
pl --db "$work/main.db" bench "${long[@]}" --executor slurm --sweep "$sweep2"
pl --db "$work/main.db" bench "${long[@]}" --executor slurm > /dev/null 2> "$work/busy.txt"
cat "$work/busy.txt"
grep -q '1 cell is queued or running in an earlier sweep' "$work/busy.txt" || fail "a running cell was submitted twice"
[ "$(ls "$work/main.db.d/sweeps")" = long ] || fail "a sweep with nothing to run left a folder"
job=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["submissions"][0]["job_id"])' "$sweep2/sweep.json")
shard=$sweep2/shards/0.db
for _ in $(seq 1 600); do
  epochs=$(sqlite3 "$shard" "SELECT count(DISTINCT epoch) FROM epoch_metrics" 2>/dev/null || echo 0)
  [ "${epochs:-0}" -ge 2 ] && break
  sleep 0.1
done
[ "${epochs:-0}" -ge 2 ] || fail "the long task never logged two epochs (log: $(ls "$sweep2"/logs/*))"
scancel "${job}_0"
for _ in $(seq 1 300); do
  [ -z "$(squeue --noheader --jobs "$job" --states=PENDING,RUNNING,COMPLETING 2>/dev/null)" ] && break
  sleep 0.1
done
pl sweep collect "$sweep2"
pl sweep status "$sweep2" | tee "$work/status2.txt"
grep -qE '^1 (interrupted|failed)$' "$work/status2.txt" || fail "the cancelled cell is not reported interrupted or failed"
status=$(sqlite3 "$work/main.db" "SELECT status FROM runs WHERE seed = 2")
[ "$status" = interrupted ] || fail "the cancelled run is '$status' in the merged store, not interrupted"

pl sweep resubmit "$sweep2"
pl sweep collect "$sweep2" --wait --poll 1
pl sweep status "$sweep2" | tee "$work/status3.txt"
grep -q '^1 finished$' "$work/status3.txt" || fail "the resubmitted cell did not finish"
rows=$(sqlite3 "$work/main.db" "SELECT count(*) || ' ' || min(status) || ' ' || (SELECT count(DISTINCT epoch) FROM epoch_metrics e WHERE e.run_id = min(r.id)) FROM runs r WHERE seed = 2")
[ "$rows" = "1 finished 40" ] || fail "seed 2 in the merged store: '$rows' (want one finished run with 40 epochs)"
grep -q 'resumed' "$sweep2"/logs/0-*.log || fail "the resubmitted task did not resume the interrupted run"
echo "PASS: the Slurm sweep"
