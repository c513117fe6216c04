#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for tests and for trying the job array on a laptop.
#
#   local-cluster.sh start    install slurm-wlm + munge if missing (Debian, as root), write a
#                             minimal slurm.conf, start munged, slurmctld and slurmd; prints
#                             `export SLURM_CONF=...` and `# started: ...` (or `none` when a
#                             cluster of this folder already runs) on stdout
#   local-cluster.sh stop     stop exactly the daemons `start` started (their pids are recorded)
#   local-cluster.sh status   exit 0 when the cluster answers
#
# Everything (config, munge key and socket, controller state, spool, logs, pids) lives in
# $BIORE_SLURM_DIR (default /tmp/biore-slurm), so a system munged or Slurm is neither used nor
# touched. Ports: $BIORE_SLURM_PORT (controller, default 16817) and the next one (slurmd).
set -euo pipefail
DIR=${BIORE_SLURM_DIR:-/tmp/biore-slurm}
PORT=${BIORE_SLURM_PORT:-16817}
CONF=$DIR/slurm.conf
PIDS=$DIR/started.pids

log() { echo "local-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return
  fi
  [ "$(id -u)" = 0 ] || die "slurm-wlm and munge are not installed and this is not root; install them (apt-get install slurm-wlm munge) and rerun"
  command -v apt-get >/dev/null || die "slurm-wlm and munge are not installed and there is no apt-get; install Slurm and MUNGE and rerun"
  log "installing slurm-wlm and munge (apt-get)"
  # Another apt run on the machine holds the lock for a while: wait for it instead of failing.
  export DEBIAN_FRONTEND=noninteractive
  # The packages' own services (a system munged, slurmctld without a config) must not start: this
  # script starts its own daemons. A policy-rc.d that denies starts does that (Docker's Debian
  # images ship one; elsewhere one is put in place for the install and removed after it).
  local policy=/usr/sbin/policy-rc.d made=""
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy && made=yes
  fi
  local rc=0
  { apt-get -o DPkg::Lock::Timeout=900 update -qq &&
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends slurm-wlm munge; } >&2 || rc=$?
  [ -z "$made" ] || rm -f $policy
  [ $rc = 0 ] || die "apt-get install slurm-wlm munge failed (exit $rc)"
}

running() {
  [ -f "$CONF" ] && SLURM_CONF=$CONF timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'
}

wait_for() { # wait_for SECONDS CMD...: poll until CMD succeeds
  local end=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.5
  done
}

node_idle() {
  SLURM_CONF=$CONF sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'
}

start() {
  if running; then
    log "a cluster is already running with $CONF; nothing started"
    echo "export SLURM_CONF=$CONF"
    echo "# started: none"
    return
  fi
  install_packages
  # Leftovers of an earlier run that was killed: only pids we recorded, and only if alive.
  [ -f "$PIDS" ] && stop
  rm -rf "$DIR"
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge"
  chmod 700 "$DIR/munge"
  local host
  host=$(hostname -s)
  # slurmd -C reports this machine exactly as slurmd will see it (a node that claims more CPUs
  # or memory than it has is drained); keep its hardware fields, leave 512 MB of memory spare.
  local hw mem
  hw=$(slurmd -C | head -1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
  mem=$(slurmd -C | head -1 | tr ' ' '\n' | sed -n 's/^RealMemory=//p')
  mem=$((mem > 1024 ? mem - 512 : mem))
  cat >"$CONF" <<EOF
# Written by deploy/slurm/local-cluster.sh: this machine as the only node.
ClusterName=biore-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 ${hw}RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  # A fresh key for this cluster only; munged runs as root here, which needs --force.
  dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$DIR/munge/munge.key"
  : >"$PIDS"
  munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed"
  wait_for 10 test -s "$DIR/munge/munged.pid" || die "munged did not start (see $DIR/munge/munged.log)"
  echo "munged $(cat "$DIR/munge/munged.pid")" >>"$PIDS"
  SLURM_CONF=$CONF slurmctld -c -f "$CONF"
  wait_for 15 test -s "$DIR/slurmctld.pid" || die "slurmctld did not start (see $DIR/slurmctld.log)"
  echo "slurmctld $(cat "$DIR/slurmctld.pid")" >>"$PIDS"
  SLURM_CONF=$CONF slurmd -f "$CONF"
  wait_for 15 test -s "$DIR/slurmd.pid" || die "slurmd did not start (see $DIR/slurmd.log)"
  echo "slurmd $(cat "$DIR/slurmd.pid")" >>"$PIDS"
  wait_for 30 node_idle || die "the node did not become idle (sinfo: $(SLURM_CONF=$CONF sinfo -h -N -o '%T %E' 2>&1); see $DIR/slurmctld.log)"
  log "started munged, slurmctld, slurmd (pids in $PIDS, logs in $DIR)"
  echo "export SLURM_CONF=$CONF"
  echo "# started: munged slurmctld slurmd"
}

stop() {
  if [ ! -f "$PIDS" ]; then
    log "nothing recorded in $PIDS; nothing to stop"
    return
  fi
  # Reverse order of start: slurmd, slurmctld, munged. A recorded pid is only signalled while it
  # still runs the program it was recorded for (pids are reused).
  local name pid
  tac "$PIDS" | while read -r name pid; do
    if alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
      kill -TERM "$pid"
      for _ in $(seq 1 40); do alive "$pid" || break; sleep 0.25; done
      alive "$pid" && kill -KILL "$pid"
      log "stopped $name ($pid)"
    fi
  done
  rm -f "$PIDS"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running ;;
  *) die "usage: local-cluster.sh start|stop|status" ;;
esac
