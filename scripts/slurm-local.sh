#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for aiarts' Slurm executor tests (e2e/slurm.sh) and for trying
# the executor by hand. Debian's slurm-wlm (22.05) and munge; everything runs as root.
#
#   scripts/slurm-local.sh up       # start it (idempotent: a cluster that answers `scontrol ping` is left alone)
#   scripts/slurm-local.sh status   # sinfo, or exit 1 when it is not up
#   scripts/slurm-local.sh down     # stop the daemons this script started
#   scripts/slurm-local.sh env      # prints `export SLURM_CONF=...` for a shell
#
# State lives in $AIARTS_SLURM_STATE (default /tmp/aiarts-slurm): slurm.conf, gres.conf, cgroup.conf, a
# munge key and socket, the daemons' logs, pid files and spool. No cgroups: proctrack/linuxproc,
# task/none, select/cons_tres. The node is this machine (`hostname -s`, CPUs and RealMemory from
# `slurmd -C`) with two fake GPUs (gres "gpu:2" whose device files are /dev/null and /dev/zero: Slurm
# 22.05 does not accept gpu gres without files; jobs can ask --gres=gpu:N, nothing real is bound). No slurmdbd, so `sacct` has no data here; finished jobs stay in `scontrol show job`
# for MinJobAge (1 hour). When /etc/slurm/slurm.conf does not exist, it is linked to the state dir's file
# so that sinfo/sbatch need no SLURM_CONF; `down` removes that link again.
# Installs slurm-wlm and munge with apt when they are missing. Exits 1 with a one-line reason on failure.
set -euo pipefail
STATE=${AIARTS_SLURM_STATE:-/tmp/aiarts-slurm}
CONF=$STATE/slurm.conf
SYSCONF=/etc/slurm/slurm.conf
log() { echo "slurm-local: $*" >&2; }
die() { log "$*"; exit 1; }

export SLURM_CONF=$CONF

install_missing() {
    local missing=()
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v sbatch >/dev/null || missing+=(slurm-client)
    command -v munged >/dev/null || missing+=(munge)
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]} and not root: install slurm-wlm and munge"
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install slurm-wlm and munge"
    log "installing slurm-wlm and munge with apt"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null 2>&1; } \
        || die "apt-get install slurm-wlm munge failed"
}

answers() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    local host node
    host=$(hostname -s)
    # slurmd -C: "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
    node=$(slurmd -C | head -1)
    [ -n "$node" ] || die "slurmd -C printed nothing"
    mkdir -p "$STATE/ctld" "$STATE/spool/$host" "$STATE/log"
    cat >"$CONF" <<EOF
# Written by aiarts scripts/slurm-local.sh: a one-node test cluster.
ClusterName=aiarts
# Addresses given, so a hostname that does not resolve (a bare container) still works.
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$STATE/munge.socket
SlurmctldPort=6917
SlurmdPort=6918
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool/$host
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Jobs that ask no --mem get 1 GiB a CPU, not the whole node, so several share it.
DefMemPerCPU=1024
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
ReturnToService=2
MinJobAge=3600
KillWait=5
JobRequeue=1
MpiDefault=none
GresTypes=gpu
$node NodeAddr=127.0.0.1 Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    cat >"$STATE/gres.conf" <<EOF
# Two fake GPUs: 22.05 drains a node whose gpu gres has no File (count reported 0), so each "GPU" is a
# harmless character device. Jobs can ask --gres=gpu:N; nothing real is bound (CUDA_VISIBLE_DEVICES is set).
NodeName=$host Name=gpu File=/dev/null
NodeName=$host Name=gpu File=/dev/zero
EOF
}

start_munge() {
    if pid_alive "$STATE/munged.pid" && [ -S "$STATE/munge.socket" ]; then return 0; fi
    if [ ! -s "$STATE/munge.key" ]; then
        (umask 077; dd if=/dev/urandom of="$STATE/munge.key" bs=1 count=1024 status=none)
    fi
    chmod 600 "$STATE/munge.key"
    chmod 700 "$STATE"
    munged --force --key-file="$STATE/munge.key" --socket="$STATE/munge.socket" \
        --pid-file="$STATE/munged.pid" --log-file="$STATE/log/munged.log" --seed-file="$STATE/munged.seed" \
        || die "munged did not start (see $STATE/log/munged.log)"
}

up() {
    install_missing
    if answers && ! pid_alive "$STATE/slurmctld.pid"; then
        log "a cluster this script did not start answers: left alone"
        sinfo -h -o '%P %a %D %t %N' 2>/dev/null || true
        exit 0
    fi
    # Ours and complete: nothing to do. Ours and partly down: start what is missing (the conf is kept).
    if answers && pid_alive "$STATE/slurmd.pid"; then
        log "up already: left alone"
        sinfo -h -o '%P %a %D %t %N' 2>/dev/null || true
        exit 0
    fi
    pid_alive "$STATE/slurmctld.pid" || write_conf
    start_munge
    if ! pid_alive "$STATE/slurmctld.pid"; then
        slurmctld -f "$CONF" || die "slurmctld did not start (see $STATE/log/slurmctld.log)"
    fi
    if ! pid_alive "$STATE/slurmd.pid"; then
        slurmd -f "$CONF" || die "slurmd did not start (see $STATE/log/slurmd.log)"
    fi
    if [ ! -e "$SYSCONF" ] && [ -d "$(dirname "$SYSCONF")" ]; then ln -s "$CONF" "$SYSCONF"; fi
    local i state
    for i in $(seq 1 60); do
        state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
        if [ "$state" = idle ] || [ "$state" = mix ] || [ "$state" = alloc ]; then
            log "up: node $(hostname -s) $state (SLURM_CONF=$CONF)"
            return 0
        fi
        # A node left down/drained by an earlier run comes back.
        case "$state" in down*|drain*|drng*) scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true ;; esac
        sleep 1
    done
    die "the node did not become idle in 60 s (state: ${state:-none}; see $STATE/log/)"
}

stop_pid() {
    local file=$1 i
    pid_alive "$file" || { rm -f "$file"; return 0; }
    local pid
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$file"
}

down() {
    # Only what this script started (pid files in the state dir).
    # Its jobs end with it (their slurmstepd would outlive slurmd otherwise).
    local jobs
    jobs=$(squeue -h -o %i 2>/dev/null || true)
    [ -z "$jobs" ] || scancel $jobs 2>/dev/null || true
    stop_pid "$STATE/slurmd.pid"
    stop_pid "$STATE/slurmctld.pid"
    stop_pid "$STATE/munged.pid"
    if [ -L "$SYSCONF" ] && [ "$(readlink "$SYSCONF")" = "$CONF" ]; then rm -f "$SYSCONF"; fi
    log "down"
}

status() {
    if answers; then sinfo -o '%P %a %D %t %N %G'; else echo "slurm-local: no cluster answers" >&2; exit 1; fi
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    *) echo "usage: scripts/slurm-local.sh up|down|status|env" >&2; exit 2 ;;
esac
