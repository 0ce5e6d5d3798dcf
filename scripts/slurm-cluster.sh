#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying `lipflow run --launcher slurm` and for the
# launcher's tests. Idempotent: `up` installs what is missing (Debian's slurm-wlm parts and munge,
# as root), writes a minimal configuration and starts munged, slurmctld and slurmd unless they are
# already running; `down` stops them; `status` says what runs. There is no systemd here: the
# daemons are started by hand, and package installation is told not to start services.
#
#   scripts/slurm-cluster.sh up | down | status
#
# Files: /etc/slurm/slurm.conf (written only when absent or written by this script), state under
# /var/spool/slurmctld and /var/spool/slurmd, logs under /var/log/slurm.
set -euo pipefail

marker="# written by lipflow scripts/slurm-cluster.sh"
config=/etc/slurm/slurm.conf
host=$(hostname -s)

say() { echo "slurm-cluster: $*"; }

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_packages() {
  local missing=""
  for package in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages:$missing; run as root: apt-get install --no-install-recommends$missing" >&2
    exit 1
  fi
  say "installing$missing (services are not started by the packages)"
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } || { rm -f /usr/sbin/policy-rc.d; exit 1; }
  rm -f /usr/sbin/policy-rc.d
}

write_config() {
  if [ -f "$config" ] && ! grep -qF "$marker" "$config"; then
    say "$config exists and was not written by this script; using it as it is"
    return 0
  fi
  local cpus memory
  cpus=$(nproc)
  memory=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)
  memory=${memory:-1000}
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
  cat > "$config.tmp" <<CONF
$marker
ClusterName=lipflow
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  mv "$config.tmp" "$config"
}

start_munge() {
  running /run/munge/munged.pid && return 0
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  fi
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge 2>/dev/null || true
  chmod 700 /etc/munge
  chmod 600 /etc/munge/munge.key
  chmod 755 /run/munge
  if id munge >/dev/null 2>&1; then
    su -s /bin/sh munge -c "munged --pid-file=/run/munge/munged.pid" 2>/dev/null || munged --force --pid-file=/run/munge/munged.pid
  else
    munged --force --pid-file=/run/munge/munged.pid
  fi
}

up() {
  install_packages
  write_config
  start_munge
  running /run/slurm/slurmctld.pid || slurmctld
  running /run/slurm/slurmd.pid || slurmd
  for _ in $(seq 1 100); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      say "up: node $host ($(nproc) CPUs), partition debug"
      return 0
    fi
    scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 0.2
  done
  say "the node did not become idle; see /var/log/slurm/slurmctld.log and slurmd.log" >&2
  exit 1
}

down() {
  for pidfile in /run/slurm/slurmd.pid /run/slurm/slurmctld.pid /run/munge/munged.pid; do
    if running "$pidfile"; then kill "$(cat "$pidfile")"; fi
  done
  say "down"
}

status() {
  local state=0
  for pidfile in /run/munge/munged.pid /run/slurm/slurmctld.pid /run/slurm/slurmd.pid; do
    if running "$pidfile"; then say "$(basename "$pidfile" .pid) running (pid $(cat "$pidfile"))"; else say "$(basename "$pidfile" .pid) not running"; state=1; fi
  done
  return $state
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up | down | status" >&2; exit 2 ;;
esac
