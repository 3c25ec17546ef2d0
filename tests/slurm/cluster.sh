#!/bin/sh
# tests/slurm/cluster.sh -- start/stop a real one-node Slurm cluster for CI and
# the end-to-end tests (Debian 12, run as root).
#
#   cluster.sh start  DIR   install missing packages, write every config/state/
#                           log/pid file under DIR, start munged, slurmctld,
#                           slurmd and slurmrestd, wait until a job can be
#                           submitted, then print on stdout:
#                             SLURMRESTD_SOCKET=<path>   unix socket of slurmrestd
#                             SLURM_CONF=<path>          slurm.conf for CLI tools
#                             SLURM_USER=<user>          unprivileged user
#                             SLURM_JOB_DIR=<path>       dir writable by SLURM_USER
#                           If a cluster is already running in DIR it says so on
#                           stderr, prints the same lines and succeeds.
#   cluster.sh stop   DIR   cancel jobs, stop every daemon started for DIR (pid
#                           files in DIR/run); idempotent.  If DIR was removed
#                           under a running cluster, kills the processes that
#                           still name it (command line or open files).
#   cluster.sh status DIR   exit 0 (and print the lines above) if running.
#
# Everything this script starts is private to DIR: its own munged (own key and
# socket, named in slurm.conf by AuthInfo), slurmctld/slurmd on non-default
# ports, and slurmrestd running as SLURM_USER with rest_auth/local on a unix
# socket. slurmrestd accepts clients whose uid is SLURM_USER or root (any other
# uid gets HTTP 401); jobs submitted through it run as SLURM_USER either way.
# See API-NOTES.md. Nothing under /etc/slurm or /etc/munge is touched; the
# only system changes are the packages and the system user SLURM_USER.
# Restarting on the same DIR keeps slurmctld's state (old jobs, job ids).
#
# Environment overrides (all optional):
#   TREQS_SLURM_USER      unprivileged user for slurmrestd/jobs [treqs-slurm]
#   TREQS_SLURMCTLD_PORT  slurmctld port [16817]
#   TREQS_SLURMD_PORT     slurmd port [16818]
#   TREQS_SLURM_TIMEOUT   seconds to wait for readiness [60]
#   TREQS_SLURM_GPUS      if > 0, configure that many fake GPUs (gres/gpu
#                         backed by /dev/null clones in DIR/fake-gpu) [0]
#   TREQS_SLURM_EXTRA_CONF  extra lines appended to slurm.conf []
set -u

PROG=cluster.sh
SUSER=${TREQS_SLURM_USER:-treqs-slurm}
CTLD_PORT=${TREQS_SLURMCTLD_PORT:-16817}
SLURMD_PORT=${TREQS_SLURMD_PORT:-16818}
TIMEOUT=${TREQS_SLURM_TIMEOUT:-60}
GPUS=${TREQS_SLURM_GPUS:-0}
EXTRA_CONF=${TREQS_SLURM_EXTRA_CONF:-}
API=v0.0.38
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

say() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

usage() {
    echo "usage: $PROG start|stop|status DIR" >&2
    exit 2
}

# ---------------------------------------------------------------- paths
set_paths() {
    CONF=$D/etc/slurm.conf
    MUNGE_DIR=$D/munge
    MUNGE_KEY=$MUNGE_DIR/munge.key
    MUNGE_SOCK=$MUNGE_DIR/munge.socket
    RUN=$D/run
    LOGS=$D/log
    REST_DIR=$D/rest
    REST_SOCK=$REST_DIR/slurmrestd.sock
    JOB_DIR=$D/jobs
    PID_MUNGED=$MUNGE_DIR/munged.pid   # munged (user munge) writes it
    PID_CTLD=$RUN/slurmctld.pid
    PID_SLURMD=$RUN/slurmd.pid
    PID_REST=$RUN/slurmrestd.pid
}

# Resolve DIR to an absolute path (creating it for start).
resolve_dir() {
    [ -n "${1:-}" ] || usage
    if [ "$2" = create ]; then
        mkdir -p "$1" || die "cannot create $1"
    fi
    if [ -d "$1" ]; then
        D=$(cd "$1" && pwd -P) || die "cannot resolve $1"
    else
        D=$1
    fi
    set_paths
}

# ---------------------------------------------------------------- processes
# pid_of NAME PIDFILE: print the pid if the file names a live process whose
# command name is NAME; fail otherwise.
pid_of() {
    [ -r "$2" ] || return 1
    _p=$(tr -dc '0-9' <"$2" 2>/dev/null)
    [ -n "$_p" ] || return 1
    kill -0 "$_p" 2>/dev/null || return 1
    # a zombie (state Z, not yet reaped by init) counts as dead
    case $(sed 's/.*) //' "/proc/$_p/stat" 2>/dev/null) in Z*|X*|'') return 1 ;; esac
    _c=$(cat "/proc/$_p/comm" 2>/dev/null) || return 1
    [ "$_c" = "$1" ] || return 1
    echo "$_p"
}

# stop_pids NAME:PIDFILE...: SIGTERM them all (each takes 1-2 s to exit),
# wait up to 15 s, then SIGKILL whatever is left.
stop_pids() {
    _pids=
    for _a in "$@"; do
        _p=$(pid_of "${_a%%:*}" "${_a#*:}") && { kill -TERM "$_p" 2>/dev/null; _pids="$_pids $_p"; }
    done
    _i=0
    while [ "$_i" -lt 150 ]; do
        _alive=
        for _p in $_pids; do kill -0 "$_p" 2>/dev/null && _alive="$_alive $_p"; done
        [ -z "$_alive" ] && break
        sleep 0.1; _i=$((_i + 1))
    done
    for _p in $_pids; do
        if kill -0 "$_p" 2>/dev/null; then
            say "pid $_p ($(cat "/proc/$_p/comm" 2>/dev/null)) ignored SIGTERM, sending SIGKILL"
            kill -KILL "$_p" 2>/dev/null
        fi
    done
    for _a in "$@"; do rm -f "${_a#*:}"; done
}

all_running() {
    pid_of munged "$PID_MUNGED" >/dev/null &&
    pid_of slurmctld "$PID_CTLD" >/dev/null &&
    pid_of slurmd "$PID_SLURMD" >/dev/null &&
    pid_of slurmrestd "$PID_REST" >/dev/null &&
    [ -S "$REST_SOCK" ]
}

any_running() {
    pid_of munged "$PID_MUNGED" >/dev/null ||
    pid_of slurmctld "$PID_CTLD" >/dev/null ||
    pid_of slurmd "$PID_SLURMD" >/dev/null ||
    pid_of slurmrestd "$PID_REST" >/dev/null
}

print_env() {
    echo "SLURMRESTD_SOCKET=$REST_SOCK"
    echo "SLURM_CONF=$CONF"
    echo "SLURM_USER=$SUSER"
    echo "SLURM_JOB_DIR=$JOB_DIR"
}

# Run a command as the unprivileged user (exec, no extra process).
as_user() {
    setpriv --reuid="$SUSER" --regid="$SUSER" --init-groups -- "$@"
}

dump_logs() {
    for _f in "$LOGS/munged.log" "$LOGS/slurmctld.log" "$LOGS/slurmctld.stderr" \
              "$LOGS/slurmd.log" "$LOGS/slurmd.stderr" "$LOGS/slurmrestd.log"; do
        if [ -s "$_f" ]; then
            echo "----- tail $_f -----" >&2
            tail -n 25 "$_f" >&2
        fi
    done
}

fail_start() {
    echo "$PROG: error: $*" >&2
    dump_logs
    say "stopping what was started"
    do_stop >/dev/null 2>&1
    exit 1
}

# ---------------------------------------------------------------- install
ensure_packages() {
    _missing=
    for _pkg in slurm-wlm slurmrestd munge curl; do
        _st=$(dpkg-query -W -f='${Status}' "$_pkg" 2>/dev/null)
        case $_st in
            *" installed") ;;
            *) _missing="$_missing $_pkg" ;;
        esac
    done
    [ -z "$_missing" ] && return 0
    say "installing:$_missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >"${TMPDIR:-/tmp}/treqs-slurm-apt.log" 2>&1 ||
        { cat "${TMPDIR:-/tmp}/treqs-slurm-apt.log" >&2; die "apt-get update failed"; }
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 $_missing \
        >>"${TMPDIR:-/tmp}/treqs-slurm-apt.log" 2>&1 ||
        { tail -n 30 "${TMPDIR:-/tmp}/treqs-slurm-apt.log" >&2; die "apt-get install$_missing failed"; }
}

ensure_user() {
    getent passwd munge >/dev/null || die "user munge missing (munge package broken?)"
    if ! getent passwd "$SUSER" >/dev/null; then
        say "creating system user $SUSER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$SUSER" || die "useradd $SUSER failed"
    fi
}

port_busy() {
    command -v ss >/dev/null 2>&1 || return 1
    ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# ---------------------------------------------------------------- config
write_config() {
    NODE=$(hostname -s) || die "hostname -s failed"
    [ -n "$NODE" ] || die "empty hostname"
    # "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
    _hw=$(slurmd -C 2>/dev/null | sed -n 's/^NodeName=[^ ]* //p' | head -n 1)
    [ -n "$_hw" ] || die "slurmd -C printed no node line"
    case $GPUS in ''|*[!0-9]*) die "TREQS_SLURM_GPUS must be a number" ;; esac
    _gres_types='' _node_gres=''
    rm -f "$D/etc/gres.conf"
    if [ "$GPUS" -gt 0 ]; then
        # Fake GPUs: Slurm drops a gres/gpu without File= and wants character
        # devices there, so each one is a /dev/null clone under DIR/fake-gpu.
        # (AccountingStorageTRES=gres/gpu would need slurmdbd: slurmctld dies.)
        _gres_types="GresTypes=gpu"
        _node_gres=" Gres=gpu:$GPUS"
        mkdir -p "$D/fake-gpu" && chmod 0755 "$D/fake-gpu"
        _i=0
        while [ "$_i" -lt "$GPUS" ]; do
            if [ ! -c "$D/fake-gpu/gpu$_i" ]; then
                rm -f "$D/fake-gpu/gpu$_i"
                mknod -m 0666 "$D/fake-gpu/gpu$_i" c 1 3 ||
                    die "mknod $D/fake-gpu/gpu$_i failed (needed for TREQS_SLURM_GPUS)"
            fi
            _i=$((_i + 1))
        done
        echo "NodeName=$NODE Name=gpu File=$D/fake-gpu/gpu[0-$((GPUS - 1))]" >"$D/etc/gres.conf"
        chmod 0644 "$D/etc/gres.conf"
    fi
    cat >"$CONF.tmp" <<EOF
# Generated by tests/slurm/cluster.sh -- one-node test cluster in $D
ClusterName=treqs
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCK
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool/slurmd
SlurmctldPidFile=$PID_CTLD
SlurmdPidFile=$PID_SLURMD
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# Start queued batch jobs within ~1-2 s instead of batching for 3 s.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
$_gres_types
NodeName=$NODE NodeAddr=127.0.0.1 $_hw$_node_gres State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
$EXTRA_CONF
EOF
    mv "$CONF.tmp" "$CONF"
    chmod 0644 "$CONF"
    # The unprivileged user must reach the REST socket dir and the job dir.
    as_user test -x "$REST_DIR" -a -w "$JOB_DIR" -a -r "$CONF" 2>/dev/null ||
        die "$SUSER cannot reach $REST_DIR / $JOB_DIR / $CONF: a parent of $D is not searchable by other users (use a DIR under /tmp, for instance)"
}

prepare_dirs() {
    chmod 0755 "$D" || die "chmod $D"
    mkdir -p "$D/etc" "$D/state" "$D/spool/slurmd" "$RUN" "$LOGS" \
             "$MUNGE_DIR" "$REST_DIR" "$JOB_DIR" || die "mkdir under $D"
    chmod 0755 "$D/etc" "$RUN" "$LOGS" "$REST_DIR" "$MUNGE_DIR"
    chmod 0700 "$D/state"
    chmod 0755 "$D/spool" "$D/spool/slurmd"
    chown munge:munge "$MUNGE_DIR"
    chown "$SUSER:$SUSER" "$REST_DIR" "$JOB_DIR"
    chmod 0775 "$JOB_DIR"
    : >"$LOGS/munged.log"
    chown munge:munge "$LOGS/munged.log"
    : >"$LOGS/slurmrestd.log"
    chown "$SUSER:$SUSER" "$LOGS/slurmrestd.log"
    if [ ! -s "$MUNGE_KEY" ]; then
        dd if=/dev/urandom of="$MUNGE_KEY.tmp" bs=1024 count=1 2>/dev/null ||
            die "cannot create munge key"
        mv "$MUNGE_KEY.tmp" "$MUNGE_KEY"
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
}

# ---------------------------------------------------------------- start
# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
# Gives up early (status 2) when a daemon already started has died.
wait_for() {
    _deadline=$(( $(date +%s) + $1 )); shift
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "$(date +%s)" -ge "$_deadline" ] && return 1
        for _w in $WATCH; do
            pid_of "${_w%%:*}" "${_w#*:}" >/dev/null || { DEAD=${_w%%:*}; return 2; }
        done
        sleep 0.2
    done
}
WATCH=
DEAD=

# watch NAME PIDFILE: wait (max 10 s) for a daemon's pid file, then have
# wait_for check that it stays alive.
watch() {
    _i=0
    while ! pid_of "$1" "$2" >/dev/null; do
        [ "$_i" -ge 50 ] && return 1
        # pid file written but process gone: it died right after starting
        [ "$_i" -ge 2 ] && [ -s "$2" ] && return 1
        sleep 0.2; _i=$((_i + 1))
    done
    WATCH="$WATCH $1:$2"
}

# why: explanation for a failed wait_for
why() { [ -n "$DEAD" ] && echo "$DEAD died" || echo "timed out after $1 s"; }

munge_ok() { munge -n -S "$MUNGE_SOCK" | unmunge -S "$MUNGE_SOCK"; }
ctld_ok() { SLURM_CONF=$CONF scontrol ping | grep -q 'is UP'; }
node_idle() {
    _st=$(SLURM_CONF=$CONF sinfo -h -n "$NODE" -o %T 2>/dev/null)
    case $_st in idle|mixed|allocated) return 0 ;; esac
    return 1
}
submit_ok() {
    as_user env SLURM_CONF="$CONF" sbatch --test-only -D "$JOB_DIR" -o /dev/null \
        --wrap true 2>&1 | grep -q 'to start at'
}
rest_ok() {
    as_user curl -sf --max-time 5 --unix-socket "$REST_SOCK" \
        "http://localhost/slurm/$API/ping" | grep -q '"ping"'
}

do_start() {
    [ "$(id -u)" = 0 ] || die "must run as root"
    if all_running; then
        say "cluster already running in $D"
        print_env
        return 0
    fi
    if any_running; then
        say "cluster in $D is partly running; restarting it"
        do_stop >/dev/null 2>&1
    fi
    _t0=$(date +%s)
    ensure_packages
    ensure_user
    for _port in "$CTLD_PORT" "$SLURMD_PORT"; do
        port_busy "$_port" && die "TCP port $_port is in use (another cluster running? stop it, or set TREQS_SLURMCTLD_PORT/TREQS_SLURMD_PORT)"
    done
    prepare_dirs
    write_config
    cd "$D" || die "cd $D"
    # Nothing of DIR runs now: drop stale sockets and pid files (after a crash).
    rm -f "$REST_SOCK" "$MUNGE_SOCK" "$MUNGE_SOCK.lock" \
          "$PID_MUNGED" "$PID_CTLD" "$PID_SLURMD" "$PID_REST"

    # munged: private instance, runs as munge, daemonizes after it is ready.
    setpriv --reuid=munge --regid=munge --init-groups -- \
        munged --force --socket="$MUNGE_SOCK" --key-file="$MUNGE_KEY" \
        --pid-file="$PID_MUNGED" --log-file="$LOGS/munged.log" \
        --seed-file="$MUNGE_DIR/munged.seed" </dev/null >/dev/null 2>>"$LOGS/munged.log" ||
        fail_start "munged failed to start"
    watch munged "$PID_MUNGED" || fail_start "munged did not write $PID_MUNGED"
    wait_for 10 munge_ok || fail_start "munged does not answer on $MUNGE_SOCK ($(why 10))"

    # slurmctld and slurmd daemonize themselves and write their pid files.
    SLURM_CONF=$CONF slurmctld -f "$CONF" </dev/null >"$LOGS/slurmctld.stderr" 2>&1 ||
        fail_start "slurmctld failed to start"
    watch slurmctld "$PID_CTLD" || fail_start "slurmctld is not running (no live pid in $PID_CTLD)"
    wait_for 20 ctld_ok || fail_start "slurmctld does not answer scontrol ping ($(why 20))"
    SLURM_CONF=$CONF slurmd -f "$CONF" </dev/null >"$LOGS/slurmd.stderr" 2>&1 ||
        fail_start "slurmd failed to start"
    watch slurmd "$PID_SLURMD" || fail_start "slurmd is not running (no live pid in $PID_SLURMD)"

    # slurmrestd has no daemon mode: run it detached as the unprivileged user;
    # the shell records its own pid and then execs (setpriv execs too).
    # Its cwd is the job dir: a job submitted without current_working_directory
    # runs in slurmrestd's cwd.
    # shellcheck disable=SC2016
    SLURM_CONF=$CONF setsid sh -c 'echo $$ >"$1"; cd "$2" || exit 1; shift 2; exec "$@"' \
        sh "$PID_REST" "$JOB_DIR" \
        setpriv --reuid="$SUSER" --regid="$SUSER" --init-groups -- \
        slurmrestd -f "$CONF" -a rest_auth/local -s "openapi/$API" "unix:$REST_SOCK" \
        </dev/null >>"$LOGS/slurmrestd.log" 2>&1 &

    _left=$(( TIMEOUT - ($(date +%s) - _t0) ))
    [ "$_left" -lt 5 ] && _left=5
    watch slurmrestd "$PID_REST" || fail_start "slurmrestd is not running (no live pid in $PID_REST)"
    wait_for "$_left" node_idle ||
        fail_start "node $NODE did not become idle ($(why "$_left")); sinfo says: $(SLURM_CONF=$CONF sinfo -h -N -o '%N %T %E' 2>&1)"
    wait_for 10 submit_ok || fail_start "sbatch --test-only is refused ($(why 10))"
    wait_for 10 rest_ok ||
        fail_start "slurmrestd does not answer GET /slurm/$API/ping on $REST_SOCK ($(why 10))"
    all_running || fail_start "a daemon died during start-up"
    say "cluster up in $D after $(( $(date +%s) - _t0 ))s (node $NODE, slurmctld port $CTLD_PORT, slurmd port $SLURMD_PORT)"
    print_env
}

# ---------------------------------------------------------------- stop
# Processes left behind for DIR after the daemons were stopped (e.g. after a
# crash of slurmd): Slurm/munge processes that refer to DIR (open file, cwd
# or command line), every descendant of those (the job's processes), and
# batch scripts running from DIR's spool.
leftovers() {
    _table=$(ps -e -o pid= -o ppid= -o comm= 2>/dev/null)
    _roots=
    for _p in $(echo "$_table" |
                awk '$3 ~ /^(slurmstepd|slurmd|slurmctld|slurmrestd|munged|slurmscriptd)$/ {print $1}'); do
        if find "/proc/$_p/fd" "/proc/$_p/cwd" -maxdepth 1 -lname "$D/*" 2>/dev/null | grep -q . ||
           { tr '\0' ' ' <"/proc/$_p/cmdline"; } 2>/dev/null | grep -qF -- "$D/"; then
            _roots="$_roots $_p"
        fi
    done
    for _p in $(echo "$_table" | awk '{print $1}'); do
        { tr '\0' ' ' <"/proc/$_p/cmdline"; } 2>/dev/null | grep -qF -- "$D/spool/" &&
            _roots="$_roots $_p"
    done
    [ -n "$_roots" ] || return 0
    # add descendants, breadth first
    echo "$_table" | awk -v roots="$_roots" -v self="$$" '
        { ppid[$1] = $2; pids[n++] = $1 }
        END {
            m = split(roots, r, " "); for (i = 1; i <= m; i++) keep[r[i]] = 1
            do {
                changed = 0
                for (i = 0; i < n; i++) {
                    p = pids[i]
                    if (!(p in keep) && (ppid[p] in keep)) { keep[p] = 1; changed = 1 }
                }
            } while (changed)
            for (p in keep) if (p != self) print p
        }'
}

do_stop() {
    if [ ! -d "$D" ]; then
        # DIR was removed under a running cluster (pid files gone): its
        # daemons and jobs still name DIR in their command lines or open
        # files, so leftovers() finds them.
        _left=$(leftovers)
        if [ -n "$_left" ]; then
            # shellcheck disable=SC2086
            say "$D is gone; killing the processes that still use it:" $_left
            # shellcheck disable=SC2086
            kill -TERM $_left 2>/dev/null; sleep 2
            # shellcheck disable=SC2086
            kill -KILL $_left 2>/dev/null
        fi
        return 0
    fi
    # Cancel jobs first so that no slurmstepd/job processes outlive slurmd.
    if pid_of slurmctld "$PID_CTLD" >/dev/null && [ -r "$CONF" ]; then
        _jobs=$(SLURM_CONF=$CONF timeout 10 squeue -h -o %i 2>/dev/null)
        if [ -n "$_jobs" ]; then
            # shellcheck disable=SC2086
            SLURM_CONF=$CONF timeout 10 scancel $_jobs 2>/dev/null
            _i=0
            while [ "$_i" -lt 50 ] &&
                  [ -n "$(SLURM_CONF=$CONF timeout 5 squeue -h -t R,CG -o %i 2>/dev/null)" ]; do
                sleep 0.2; _i=$((_i + 1))
            done
        fi
    fi
    stop_pids "slurmrestd:$PID_REST" "slurmd:$PID_SLURMD" "slurmctld:$PID_CTLD"
    stop_pids "munged:$PID_MUNGED"
    _left=$(leftovers)
    if [ -n "$_left" ]; then
        # shellcheck disable=SC2086
        say "killing leftover processes:" $_left
        # shellcheck disable=SC2086
        kill -TERM $_left 2>/dev/null; sleep 1
        # shellcheck disable=SC2086
        kill -KILL $_left 2>/dev/null
    fi
    rm -f "$REST_SOCK" "$MUNGE_SOCK" "$MUNGE_SOCK.lock"
    say "cluster in $D stopped"
}

# ---------------------------------------------------------------- main
[ $# -eq 2 ] || usage
case $1 in
    start)  resolve_dir "$2" create; do_start ;;
    stop)   resolve_dir "$2" no;     do_stop ;;
    status)
        resolve_dir "$2" no
        if [ -d "$D" ] && all_running; then
            print_env
            exit 0
        fi
        say "cluster in $D is not running"
        exit 1 ;;
    *) usage ;;
esac
