#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep tests and for trying
# `promptlab bench --executor slurm` without a real cluster. Needs root, slurm-wlm and munge
# (scripts/install-deps.sh installs both).
#
#   scripts/slurm-local.sh start DIR   # writes DIR/slurm.conf, starts munged (if not running), slurmctld, slurmd
#   scripts/slurm-local.sh stop DIR    # stops the daemons this script started in DIR, by their pids
#
# After start, `export SLURM_CONF=DIR/slurm.conf` points sbatch, squeue, scancel at the cluster.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)

stop_pid_file() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

case "$action" in
  stop)
    stop_pid_file "$dir/slurmd.pid"
    stop_pid_file "$dir/slurmctld.pid"
    stop_pid_file "$dir/munged.pid"  # only when this script started munged
    exit 0
    ;;
  start) ;;
  *) usage ;;
esac

[ "$(id -u)" -eq 0 ] || { echo "slurm-local: must run as root (slurmd starts jobs as their users)" >&2; exit 1; }
for tool in munged slurmctld slurmd sbatch squeue; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
    { echo "slurm-local: $tool not found: run scripts/install-deps.sh" >&2; exit 1; }
done

# Slurm's daemons listen on fixed ports (6817, 6818): one cluster per machine.
if pgrep -x slurmctld >/dev/null 2>&1 || pgrep -x slurmd >/dev/null 2>&1; then
  echo "slurm-local: slurmctld or slurmd is already running here (pids $(pgrep -x -d, 'slurmctld|slurmd')); stop that cluster first" >&2
  exit 1
fi

# munge: one daemon per host, as the munge user, with the packaged key.
if ! pgrep -x munged >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || { echo "slurm-local: /etc/munge/munge.key is missing (reinstall munge)" >&2; exit 1; }
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  for _ in $(seq 1 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  cp /run/munge/munged.pid "$dir/munged.pid"
fi

host=$(hostname -s)
mkdir -p "$dir/state" "$dir/spool"
cat > "$dir/slurm.conf" <<EOF
ClusterName=promptlab-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
KillWait=10
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 1 100); do
  if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
    echo "slurm-local: up in $dir (export SLURM_CONF=$SLURM_CONF)"
    exit 0
  fi
  sleep 0.2
done
echo "slurm-local: the node did not become idle; logs: $dir/slurmctld.log $dir/slurmd.log" >&2
sinfo >&2 || true
exit 1
