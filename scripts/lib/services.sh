# shellcheck shell=bash
# Chorus: shared helpers for the operational scripts (scripts/test, scripts/cluster).
#
# Source this file; it is not meant to be executed:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
#
# Public functions
#   chorus_root                       print the repo root (parent of scripts/)
#   ensure_packages                   install/check redis, hiredis, pkg-config, postgres, curl
#   ensure_swift                      put /opt/swift/usr/bin on PATH if swift is not found
#   free_port [VAR]                   a free TCP port on 127.0.0.1 (printed, or stored in VAR)
#   chorus_secret DIR NAME            print DIR/NAME.secret, generated (32 hex chars, mode 0600)
#                                     on first use
#   start_redis DIR [PORT]            private redis-server with an ACL user `chorus` (password
#                                     in DIR/redis.secret; default user off); exports REDIS_URL
#                                     (redis://chorus:SECRET@127.0.0.1:PORT) REDIS_PID REDIS_PORT
#   stop_redis DIR                    stop it (idempotent)
#   start_postgres DIR [PORT] [--fast]  private postgres, scram-sha-256 password for role `chorus`
#                                     in DIR/postgres.secret; exports DATABASE_URL POSTGRES_PID
#                                     POSTGRES_PORT POSTGRES_DATA
#                                     (as root, when user postgres cannot reach DIR, its data
#                                     lives in /var/lib/chorus/postgres-<hash of DIR>, recorded
#                                     as POSTGRES_HOME in DIR/env)
#   stop_postgres DIR                 stop it (idempotent)
#   postgres_pidfile DIR              its postmaster.pid (postgres_data_dir DIR: its data dir)
#   purge_postgres_homes DIR          stop the private postgres servers of DIR and below and
#                                     delete their data kept outside DIR (before rm -rf DIR)
#   crash_redis DIR                   SIGKILL the private redis-server (a crash); prints its pid
#   crash_postgres DIR                `pg_ctl stop -m immediate` (a crash); prints the postmaster pid
#                                     (both keep port and data dir recorded: start_* DIR PORT again)
#   wait_http URL TIMEOUT [PID]       poll until HTTP 200 (returns 1 on timeout or if PID dies)
#   pid_alive PID                     true if PID is a live (non-zombie) process
#   stop_pid PID [TIMEOUT] [NAME_PATTERN]  SIGTERM, wait, SIGKILL; only if cmdline matches
#   wait_pid_gone PID [TIMEOUT]       wait until PID has exited (returns 1 on timeout)
#   chorus_now_us                     microseconds since the epoch
#   stop_tree PID [TIMEOUT]           SIGTERM PID and its descendants, SIGKILL leftovers
#   descendants PID                   list descendant PIDs (from /proc)
#   env_file_set FILE KEY VALUE       set KEY=VALUE in a sourceable env file
#   env_file_get FILE KEY             print KEY's value from such a file (empty if absent)
#
# All messages go to stderr, prefixed with "chorus:".

# Guard against double sourcing.
if [[ -n "${_CHORUS_SERVICES_SH:-}" ]]; then
    return 0
fi
_CHORUS_SERVICES_SH=1

_CHORUS_LIB_DIR="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

chorus_log() { printf 'chorus: %s\n' "$*" >&2; }
chorus_die() { chorus_log "error: $*"; exit 1; }

# Repo root = parent of scripts/ (this file lives in scripts/lib/).
chorus_root() {
    (cd -P "$_CHORUS_LIB_DIR/../.." && pwd)
}

_chorus_is_root() { [[ "$(id -u)" -eq 0 ]]; }

# ---------------------------------------------------------------------------
# env files: lines "KEY=value" (value shell-quoted with printf %q), sourceable.

# env_file_set FILE KEY VALUE: sets KEY in FILE. The file is private (0600): these files hold
# server URLs, which may carry passwords.
env_file_set() {
    local file="$1" key="$2" value="$3" tmp
    mkdir -p "$(dirname "$file")"
    tmp="$file.tmp.$$"
    (umask 077 && : >"$tmp")
    if [[ -f "$file" ]]; then
        grep -v "^${key}=" "$file" >>"$tmp" || true
    fi
    printf '%s=%q\n' "$key" "$value" >>"$tmp"
    mv -f "$tmp" "$file"
}

# mask_url URL: URL with its password replaced by ***, for everything printed.
mask_url() { sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#' <<<"$1"; }

env_file_get() {
    local file="$1" key="$2" line
    [[ -f "$file" ]] || return 0
    line="$(grep "^${key}=" "$file" | tail -n 1)" || true
    [[ -n "$line" ]] || return 0
    # Values are written with %q; evaluate in a subshell to unquote.
    (eval "printf '%s\n' ${line#*=}")
}

# ---------------------------------------------------------------------------
# packages

# Newest PostgreSQL server bin dir (e.g. /usr/lib/postgresql/15/bin), empty if none.
pg_bindir() {
    local initdb
    # shellcheck disable=SC2012
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)" || true
    [[ -n "$initdb" ]] && dirname "$initdb"
    return 0
}

_CHORUS_APT_UPDATED=""

# chorus_apt_install PKG...: installs Debian packages (apt-get update once per shell) as root;
# otherwise says which to install and fails.
chorus_apt_install() {
    if ! _chorus_is_root || ! command -v apt-get >/dev/null 2>&1; then
        chorus_log "missing packages: $* -- install them with: sudo apt-get install -y $*"
        return 1
    fi
    chorus_log "installing missing packages: $*"
    if [[ -z "$_CHORUS_APT_UPDATED" ]]; then
        apt-get update -qq >&2 || { chorus_log "apt-get update failed"; return 1; }
        _CHORUS_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || { chorus_log "apt-get install $* failed"; return 1; }
}

ensure_packages() {
    local missing=()
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
    [[ -f /usr/include/hiredis/hiredis.h ]] || missing+=(libhiredis-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    [[ -n "$(pg_bindir)" ]] || missing+=(postgresql)
    [[ -x /usr/bin/psql ]] || missing+=(postgresql-client)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v promtool >/dev/null 2>&1 || missing+=(prometheus)

    [[ ${#missing[@]} -eq 0 ]] && return 0
    chorus_apt_install "${missing[@]}" || return 1
    # Re-check what matters after installing.
    if ! command -v redis-server >/dev/null 2>&1 || [[ -z "$(pg_bindir)" ]] \
        || [[ ! -f /usr/include/hiredis/hiredis.h ]]; then
        chorus_log "packages still missing after apt-get install"
        return 1
    fi
    return 0
}

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || { chorus_log "swift not found (looked on PATH and in /opt/swift/usr/bin)"; return 1; }
}

# ---------------------------------------------------------------------------
# ports

_CHORUS_PORTS_HANDED_OUT=" "

# true if something accepts TCP connections on 127.0.0.1:PORT
port_in_use() {
    local port="$1"
    if command -v timeout >/dev/null 2>&1; then
        timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# free_port [VAR]: prints a free port, or stores it in VAR. Ports handed out in this
# shell are never handed out twice -- but a `$(free_port)` call runs in a subshell and
# cannot record its port, so prefer `free_port VAR` when calling several times.
free_port() {
    local _fp_var="${1:-}" _fp_port _fp_try _fp_low=20000 _fp_span=40001 _fp_ephemeral
    # Below the kernel's ephemeral range: a port there can be the local end of any outgoing
    # connection (a test's Redis client, say), which a connect probe cannot see but which makes
    # the server's bind fail ("Address already in use").
    read -r _fp_ephemeral _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || _fp_ephemeral=0
    if ((_fp_ephemeral > _fp_low + 2000)); then _fp_span=$((_fp_ephemeral - _fp_low)); fi
    for _fp_try in $(seq 1 200); do
        _fp_port=$((_fp_low + RANDOM % _fp_span))
        [[ "$_CHORUS_PORTS_HANDED_OUT" == *" $_fp_port "* ]] && continue
        port_in_use "$_fp_port" && continue
        _CHORUS_PORTS_HANDED_OUT+="$_fp_port "
        if [[ -n "$_fp_var" ]]; then
            printf -v "$_fp_var" '%s' "$_fp_port"
        else
            printf '%s\n' "$_fp_port"
        fi
        return 0
    done
    chorus_log "could not find a free TCP port"
    return 1
}

# ---------------------------------------------------------------------------
# processes

pid_alive() {
    local pid="${1:-}" state
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/stat" ]]; then
        state="$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" || true
        [[ "$state" == Z ]] && return 1
    fi
    return 0
}

# true if /proc/PID/cmdline contains PATTERN (or PATTERN is empty)
pid_matches() {
    local pid="$1" pattern="${2:-}" cmd
    [[ -z "$pattern" ]] && return 0
    [[ -r "/proc/$pid/cmdline" ]] || return 0   # no procfs: cannot verify, trust the record
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || true
    [[ "$cmd" == *"$pattern"* ]]
}

# stop_pid PID [TIMEOUT_SECONDS=10] [CMDLINE_PATTERN]
# SIGTERM, wait up to TIMEOUT, then SIGKILL. Does nothing if the PID is gone or
# (when a pattern is given) belongs to some other program (PID reuse).
stop_pid() {
    local pid="$1" timeout="${2:-10}" pattern="${3:-}" deadline
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if pid_alive "$pid"; then
        if ! pid_matches "$pid" "$pattern"; then
            chorus_log "pid $pid is not '$pattern' any more; not killing it"
            return 0
        fi
        kill -TERM "$pid" 2>/dev/null || true
    fi
    deadline=$(($(date +%s) + timeout))
    while pid_alive "$pid"; do
        if (($(date +%s) >= deadline)); then
            chorus_log "pid $pid did not exit after ${timeout}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            local n=0
            while pid_alive "$pid" && ((n < 50)); do sleep 0.1; n=$((n + 1)); done
            break
        fi
        sleep 0.1
    done
    # Reap it if it is our own child (no-op otherwise), and give init a moment to
    # reap it otherwise, so that callers see no leftover (zombie) process.
    wait "$pid" 2>/dev/null || true
    local r=0
    while kill -0 "$pid" 2>/dev/null && ((r < 20)); do sleep 0.1; r=$((r + 1)); done
    return 0
}

chorus_now_us() {
    if [[ -n "${EPOCHREALTIME:-}" ]]; then
        echo "${EPOCHREALTIME//[!0-9]/}"
    else
        date +%s%6N
    fi
}

# wait_pid_gone PID [TIMEOUT_SECONDS=10]: wait until PID has exited (a zombie counts as
# exited; reaped if it is our own child). Returns 1 if it is still alive after TIMEOUT
# (whole seconds, measured to the microsecond).
wait_pid_gone() {
    local pid="$1" timeout="${2:-10}" deadline
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    deadline=$(($(chorus_now_us) + timeout * 1000000))
    while pid_alive "$pid"; do
        (($(chorus_now_us) >= deadline)) && return 1
        sleep 0.05
    done
    wait "$pid" 2>/dev/null || true
    return 0
}

# descendants PID: print the PIDs of all descendants of PID (children first-level
# order, then deeper), read from /proc.
descendants() {
    local root="$1" f rest ppid pid _state
    local -A kids=()
    for f in /proc/[0-9]*/stat; do
        { read -r rest <"$f"; } 2>/dev/null || continue
        [[ -n "$rest" ]] || continue
        pid="${rest%% *}"
        rest="${rest##*) }"          # drop "pid (comm) "
        read -r _state ppid _ <<<"$rest"
        kids[$ppid]+="$pid "
    done
    local queue=("$root") cur k
    while ((${#queue[@]} > 0)); do
        cur="${queue[0]}"
        queue=("${queue[@]:1}")
        for k in ${kids[$cur]:-}; do
            echo "$k"
            queue+=("$k")
        done
    done
}

# stop_tree PID [TIMEOUT_SECONDS=10]: SIGTERM PID and all its descendants (collected
# before signalling, so re-parented orphans are not missed), SIGKILL what is left.
stop_tree() {
    local pid="$1" timeout="${2:-10}" all p deadline
    pid_alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    all="$pid $(descendants "$pid" | tr '\n' ' ')"
    for p in $all; do kill -TERM "$p" 2>/dev/null || true; done
    deadline=$(($(date +%s) + timeout))
    while :; do
        local left=""
        for p in $all; do pid_alive "$p" && left+="$p "; done
        [[ -z "$left" ]] && break
        if (($(date +%s) >= deadline)); then
            chorus_log "sending SIGKILL to $left"
            for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
            sleep 0.2
            break
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
    return 0
}

# ---------------------------------------------------------------------------
# secrets

# chorus_secret DIR NAME: print the secret kept in DIR/NAME.secret; the first call generates it
# (32 hex characters from /dev/urandom, file mode 0600). It stays for the life of DIR, so a server
# restarted in the same DIR (scripts/chaos, tests) takes the same password and clients reconnect
# with the URL they have.
chorus_secret() {
    local dir="${1:?usage: chorus_secret DIR NAME}" name="${2:?usage: chorus_secret DIR NAME}" file secret
    file="$dir/$name.secret"
    if [[ -s "$file" ]]; then
        secret="$(tr -d ' \n\r' <"$file")" || return 1
    else
        mkdir -p "$dir" || return 1
        secret="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" || return 1
        [[ ${#secret} -eq 32 ]] || { chorus_log "could not read 16 bytes from /dev/urandom"; return 1; }
        (umask 077 && printf '%s\n' "$secret" >"$file.tmp.$$" && mv -f "$file.tmp.$$" "$file") || return 1
    fi
    chmod 600 "$file" 2>/dev/null || true
    # It goes into URLs and config files as it is: URL-safe characters only.
    if [[ ! "$secret" =~ ^[A-Za-z0-9._~-]+$ ]]; then
        chorus_log "$file: a secret must be letters, digits and . _ ~ - only"
        return 1
    fi
    printf '%s\n' "$secret"
}

# ---------------------------------------------------------------------------
# redis

_chorus_abs_dir() { mkdir -p "$1" && (cd -P "$1" && pwd); }

# The ACL rules of the `chorus` user: every command but the @dangerous ones (FLUSHALL, CONFIG,
# DEBUG, KEYS, CLIENT, SHUTDOWN, MONITOR, ...); Chorus needs none of those. CHORUS_REDIS_ACL_EXTRA
# adds rules (scripts/test adds `+client|pause +keys`, which tests use).
_chorus_redis_acl() {
    local rules="~* &* +@all -@dangerous" extra="${CHORUS_REDIS_ACL_EXTRA:-}"
    if [[ -n "$extra" ]]; then
        if [[ ! "$extra" =~ ^[-+@~\&*|a-zA-Z0-9_:\ ]+$ ]]; then
            chorus_log "CHORUS_REDIS_ACL_EXTRA: only ACL rules like '+client|pause +keys' are allowed"
            return 1
        fi
        rules+=" $extra"
    fi
    printf '%s\n' "$rules"
}

start_redis() {
    local dir="${1:?usage: start_redis DIR [PORT]}" port="${2:-}" pid i secret rules
    dir="$(_chorus_abs_dir "$dir")"
    command -v redis-server >/dev/null 2>&1 || { chorus_log "redis-server not found"; return 1; }
    if [[ -z "$port" ]]; then
        free_port port || return 1
    elif port_in_use "$port"; then
        chorus_log "redis: port $port is already in use"
        return 1
    fi
    pid="$(env_file_get "$dir/env" REDIS_PID)"
    if [[ -n "$pid" ]] && pid_alive "$pid" && pid_matches "$pid" redis-server; then
        chorus_log "redis: already running in $dir (pid $pid); stop it first"
        return 1
    fi
    secret="$(chorus_secret "$dir" redis)" || return 1
    rules="$(_chorus_redis_acl)" || return 1
    # The password goes into a private config file, never onto the command line (ps).
    # `user default off`: a client that does not AUTH as chorus can do nothing (NOAUTH).
    (
        umask 077
        printf '%s\n' "# Written by scripts/lib/services.sh (start_redis) at every start." \
            "user default off" "user chorus on >$secret $rules" >"$dir/redis.conf.tmp.$$"
        mv -f "$dir/redis.conf.tmp.$$" "$dir/redis.conf"
    ) || return 1
    chmod 600 "$dir/redis.conf"
    rm -f "$dir/redis.pid"
    : >"$dir/redis.log"
    nohup redis-server "$dir/redis.conf" --daemonize no --bind 127.0.0.1 --port "$port" --dir "$dir" \
        --save '' --appendonly no --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" \
        >>"$dir/redis.out" 2>&1 </dev/null &
    pid=$!
    for ((i = 0; i < 100; i++)); do
        if [[ "$(REDISCLI_AUTH="$secret" redis-cli --no-auth-warning --user chorus -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
            break
        fi
        if ! pid_alive "$pid"; then
            i=100
            break
        fi
        sleep 0.1
    done
    if ((i >= 100)); then
        chorus_log "redis did not answer PING on port $port within 10s; log tail ($dir/redis.log):"
        tail -n 20 "$dir/redis.log" "$dir/redis.out" >&2 2>/dev/null || true
        stop_pid "$pid" 5 redis-server
        return 1
    fi
    export REDIS_URL="redis://chorus:$secret@127.0.0.1:$port" REDIS_PID="$pid" REDIS_PORT="$port"
    env_file_set "$dir/env" REDIS_URL "$REDIS_URL"
    env_file_set "$dir/env" REDIS_PID "$REDIS_PID"
    env_file_set "$dir/env" REDIS_PORT "$REDIS_PORT"
    return 0
}

stop_redis() {
    local dir="${1:?usage: stop_redis DIR}" pid pidfile_pid
    [[ -d "$dir" ]] || return 0
    pid="$(env_file_get "$dir/env" REDIS_PID)"
    pidfile_pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
    [[ -n "$pid" ]] && stop_pid "$pid" 10 redis-server
    if [[ -n "$pidfile_pid" && "$pidfile_pid" != "$pid" ]]; then
        stop_pid "$pidfile_pid" 10 redis-server
    fi
    rm -f "$dir/redis.pid"
    if [[ -f "$dir/env" ]]; then
        env_file_set "$dir/env" REDIS_PID ""
    fi
    return 0
}

# crash_redis DIR: SIGKILL the private redis-server recorded in DIR (no shutdown, no
# save), wait until it is gone and forget its pid. Prints the pid it killed (nothing if
# it was not running). REDIS_PORT stays recorded in DIR/env, so
# `start_redis DIR "$(env_file_get DIR/env REDIS_PORT)"` brings it back on the same port.
crash_redis() {
    local dir="${1:?usage: crash_redis DIR}" pid
    pid="$(env_file_get "$dir/env" REDIS_PID)"
    [[ -n "$pid" ]] || pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && pid_alive "$pid" && pid_matches "$pid" redis-server; then
        kill -KILL "$pid" 2>/dev/null || true
        if ! wait_pid_gone "$pid" 10; then
            chorus_log "redis (pid $pid) is still alive 10s after SIGKILL"
            return 1
        fi
        echo "$pid"
    fi
    rm -f "$dir/redis.pid"
    if [[ -f "$dir/env" ]]; then
        env_file_set "$dir/env" REDIS_PID ""
    fi
    return 0
}

# ---------------------------------------------------------------------------
# postgres

# Run a command as the user that owns the postgres cluster: `postgres` when we are
# root (postgres refuses to run as root), the current user otherwise.
_chorus_as_pg() {
    if _chorus_is_root; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            local cmd
            cmd="$(printf '%q ' "$@")"
            su postgres -s /bin/bash -c "$cmd"
        fi
    else
        "$@"
    fi
}

# Postgres' own files (data/, postgres.log, sock/) live in DIR, except when we are root and
# the user `postgres` cannot reach DIR (a clone in a private folder such as /root/x, mode
# 0700): then they live in a home of their own, $_CHORUS_PG_HOMES/postgres-<16 hex of the
# sha256 of DIR> (owned by postgres, 0700; $_CHORUS_PG_HOMES root-owned 0755), recorded as
# POSTGRES_HOME in DIR/env. Everything else (env, postgres.secret, initdb.log, pg_ctl.out)
# stays in DIR. The home holds a file `chorus-dir` naming DIR, so that a home is only ever
# used, stopped or deleted for its own DIR (purge_postgres_homes finds homes by it).
_CHORUS_PG_HOMES="${CHORUS_PG_HOMES:-/var/lib/chorus}"

# _chorus_pg_owns HOME DIR: true if HOME is a postgres home made by start_postgres for DIR
# (physical path), or for a DIR that no longer exists (the checkout was moved: DIR adopts it).
_chorus_pg_owns() {
    local home="$1" dir="$2" origin
    [[ "${home##*/}" =~ ^postgres-[0-9a-f]{16}$ && -d "$home" && ! -L "$home" ]] || return 1
    origin="$(head -n 1 "$home/chorus-dir" 2>/dev/null)" || return 1
    [[ -n "$origin" ]] || return 1
    [[ "$origin" == "$dir" || ! -e "$origin" ]]
}

# _chorus_pg_home DIR: the folder that holds Postgres' own files (data/, postgres.log) of the
# private server in DIR: DIR itself, or its home outside DIR (see above).
_chorus_pg_home() {
    local dir="${1:?usage: _chorus_pg_home DIR}" home phys
    home="$(env_file_get "$dir/env" POSTGRES_HOME 2>/dev/null)"
    if [[ -n "$home" ]] && phys="$(cd -P "$dir" 2>/dev/null && pwd)" && _chorus_pg_owns "$home" "$phys"; then
        printf '%s\n' "$home"
    else
        printf '%s\n' "$dir"
    fi
}

# postgres_data_dir DIR / postgres_pidfile DIR: the data directory and the postmaster.pid of
# the private server in DIR (wherever start_postgres put them).
postgres_data_dir() { printf '%s/data\n' "$(_chorus_pg_home "${1:?usage: postgres_data_dir DIR}")"; }
postgres_pidfile() { printf '%s/data/postmaster.pid\n' "$(_chorus_pg_home "${1:?usage: postgres_pidfile DIR}")"; }

# _chorus_pg_pick_home DIR (root only; DIR absolute and physical): print the home for
# Postgres' own files, making it if needed: a recorded home of DIR's, else DIR when user
# postgres can reach it (as before: DIR is then handed to postgres), else a fresh home outside.
_chorus_pg_pick_home() {
    local dir="$1" home origin hash pidf
    home="$(env_file_get "$dir/env" POSTGRES_HOME)"
    if [[ -n "$home" ]]; then
        if _chorus_pg_owns "$home" "$dir"; then
            printf '%s\n' "$dir" >"$home/chorus-dir" || return 1
            printf '%s\n' "$home"
            return 0
        fi
        origin="$(head -n 1 "$home/chorus-dir" 2>/dev/null)" || true
        [[ -z "$origin" ]] || chorus_log "postgres: $home belongs to $origin (a copy of it?); not sharing it with $dir"
        env_file_set "$dir/env" POSTGRES_HOME ""
    fi
    if _chorus_as_pg test -x "$(dirname "$dir")" 2>/dev/null; then
        printf '%s\n' "$dir"
        return 0
    fi
    if [[ -L "$_CHORUS_PG_HOMES" ]] || { [[ -e "$_CHORUS_PG_HOMES" ]] && [[ "$(stat -c %u "$_CHORUS_PG_HOMES")" != 0 ]]; }; then
        chorus_log "postgres: $_CHORUS_PG_HOMES must be a folder owned by root (not a link)"
        return 1
    fi
    if ! mkdir -p "$_CHORUS_PG_HOMES" || ! chmod 755 "$_CHORUS_PG_HOMES"; then
        chorus_log "postgres: user 'postgres' cannot reach $dir (a parent directory is not world-executable), and $_CHORUS_PG_HOMES cannot be made for its files"
        return 1
    fi
    hash="$(printf '%s' "$dir" | sha256sum)" || return 1
    home="$_CHORUS_PG_HOMES/postgres-${hash:0:16}"
    if [[ -e "$home" || -L "$home" ]]; then
        # Left by an earlier DIR at this path that was deleted without `purge` (DIR/env, which
        # would have recorded it, went with it): its data has another password. Remove it.
        chorus_log "postgres: removing $home, left by an earlier $dir"
        pidf="$home/data/postmaster.pid"
        if [[ -f "$pidf" && ! -L "$home" ]]; then
            _chorus_pg_stop_data "$home/data" "$(head -n 1 "$pidf" 2>/dev/null)"
        fi
        rm -rf "$home" || return 1
    fi
    install -d -m 700 -o postgres -g postgres "$home" || return 1
    printf '%s\n' "$dir" >"$home/chorus-dir" || return 1
    env_file_set "$dir/env" POSTGRES_HOME "$home"
    chorus_log "postgres: user 'postgres' cannot reach $dir (a parent directory is not world-executable); its data lives in $home"
    printf '%s\n' "$home"
}

# _chorus_pg_stop_data DATA [PID]: fast shutdown of the postmaster of DATA (as its owner),
# then make sure PID (its postmaster) is gone.
_chorus_pg_stop_data() {
    local data="$1" pid="${2:-}" bindir
    bindir="$(pg_bindir)"
    if [[ -n "$bindir" && -f "$data/postmaster.pid" ]]; then
        if _chorus_as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            _chorus_as_pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 \
                || chorus_log "pg_ctl stop failed for $data"
        fi
    fi
    # Make sure the postmaster is really gone (also covers pg_ctl failures).
    [[ -n "$pid" ]] && stop_pid "$pid" 10 postgres
    return 0
}

# purge_postgres_homes DIR: stop every private postgres whose DIR is DIR or below it and
# whose files live outside it (see above), and delete those homes. For callers about to
# delete DIR (`scripts/cluster down --purge`, scripts/test's run dir). Nothing to do when
# not root (no such homes) or when DIR is reachable by postgres.
purge_postgres_homes() {
    local dir="${1:?usage: purge_postgres_homes DIR}" mark origin home
    _chorus_is_root || return 0
    [[ -d "$_CHORUS_PG_HOMES" ]] || return 0
    dir="$(cd -P "$dir" 2>/dev/null && pwd)" || return 0
    for mark in "$_CHORUS_PG_HOMES"/postgres-*/chorus-dir; do
        [[ -f "$mark" ]] || continue
        home="${mark%/chorus-dir}"
        [[ "${home##*/}" =~ ^postgres-[0-9a-f]{16}$ && ! -L "$home" ]] || continue
        origin="$(head -n 1 "$mark" 2>/dev/null)" || continue
        [[ -n "$origin" && ( "$origin" == "$dir" || "$origin" == "$dir"/* ) ]] || continue
        _chorus_pg_stop_data "$home/data" "$(head -n 1 "$home/data/postmaster.pid" 2>/dev/null)"
        rm -rf "$home" && chorus_log "postgres: deleted $home (data of $origin)"
    done
    rmdir "$_CHORUS_PG_HOMES" 2>/dev/null || true
    return 0
}

# _chorus_pg_trusts DATA: true if DATA/pg_hba.conf has an active `trust` line.
_chorus_pg_trusts() {
    _chorus_as_pg grep -qE '^[[:space:]]*(local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)[[:space:]].*[[:space:]]trust[[:space:]]*(#.*)?$' \
        "$1/pg_hba.conf" 2>/dev/null
}

_chorus_pg_locale() {
    if locale -a 2>/dev/null | grep -iE '^c\.utf-?8$' >/dev/null; then
        echo C.UTF-8
    else
        echo C
    fi
}

start_postgres() {
    local dir="" port="" fast=0 arg bindir data sock log opts pid locale secret home pwfile
    for arg in "$@"; do
        case "$arg" in
            --fast) fast=1 ;;
            *)
                if [[ -z "$dir" ]]; then dir="$arg"
                elif [[ -z "$port" ]]; then port="$arg"
                else chorus_log "usage: start_postgres DIR [PORT] [--fast]"; return 1
                fi ;;
        esac
    done
    [[ -n "$dir" ]] || { chorus_log "usage: start_postgres DIR [PORT] [--fast]"; return 1; }
    bindir="$(pg_bindir)"
    [[ -n "$bindir" ]] || { chorus_log "postgres server binaries not found in /usr/lib/postgresql/*/bin"; return 1; }
    [[ -x /usr/bin/psql ]] || { chorus_log "/usr/bin/psql not found (postgresql-client)"; return 1; }

    dir="$(_chorus_abs_dir "$dir")"
    home="$dir"
    if _chorus_is_root; then
        id postgres >/dev/null 2>&1 || { chorus_log "user 'postgres' does not exist"; return 1; }
        home="$(_chorus_pg_pick_home "$dir")" || return 1
    fi
    data="$home/data"
    log="$home/postgres.log"
    if [[ -z "$port" ]]; then
        free_port port || return 1
    elif port_in_use "$port"; then
        chorus_log "postgres: port $port is already in use"
        return 1
    fi

    # Unix socket paths are limited to ~107 bytes; fall back to a short temp dir.
    sock="$home/sock"
    if ((${#sock} + 20 > 100)); then
        sock="$(mktemp -d /tmp/chorus-pgsock.XXXXXX)"
    fi
    mkdir -p "$sock"
    env_file_set "$dir/env" POSTGRES_SOCK_DIR "$sock"
    # The password of role chorus (before the chown below: initdb, run as postgres, reads it).
    secret="$(chorus_secret "$dir" postgres)" || return 1

    if _chorus_is_root; then
        if [[ "$home" == "$dir" ]]; then
            chown -R postgres:postgres "$dir" "$sock"
        else
            chown postgres:postgres "$sock"
            ln -sfn "$log" "$dir/postgres.log"
        fi
        if ! _chorus_as_pg test -w "$home" 2>/dev/null; then
            chorus_log "user 'postgres' cannot reach $home (a parent directory is not world-executable)"
            return 1
        fi
    fi

    if [[ -f "$data/postmaster.pid" ]] && _chorus_as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        chorus_log "postgres: already running in $data; stop it first"
        return 1
    fi

    if [[ ! -d "$data" ]]; then
        locale="$(_chorus_pg_locale)"
        pwfile="$dir/postgres.secret"
        if [[ "$home" != "$dir" ]]; then
            # postgres cannot read DIR/postgres.secret: a copy of its own, only while initdb runs.
            pwfile="$home/initdb.pw"
            if ! (umask 077 && printf '%s\n' "$secret" >"$pwfile") || ! chown postgres:postgres "$pwfile"; then
                rm -f "$pwfile"
                return 1
            fi
        fi
        if ! _chorus_as_pg "$bindir/initdb" -D "$data" -U chorus --auth=scram-sha-256 \
            --pwfile="$pwfile" -E UTF8 --locale="$locale" >"$dir/initdb.log" 2>&1; then
            [[ "$pwfile" == "$dir/postgres.secret" ]] || rm -f "$pwfile"
            chorus_log "initdb failed; see $dir/initdb.log:"
            tail -n 20 "$dir/initdb.log" >&2 || true
            return 1
        fi
        [[ "$pwfile" == "$dir/postgres.secret" ]] || rm -f "$pwfile"
    fi

    # 500: the test suite runs many clusters at once (every gateway and worker keeps a pool, and
    # each gateway polls revocations); at 200 Postgres refused clients ("too many clients").
    opts="-p $port -k '$sock' -c listen_addresses=127.0.0.1 -c max_connections=500"
    if ((fast)); then
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    if ! _chorus_as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -o "$opts" -w -t 60 start >"$dir/pg_ctl.out" 2>&1; then
        chorus_log "postgres failed to start on port $port; log tail ($log):"
        tail -n 20 "$dir/pg_ctl.out" "$log" >&2 2>/dev/null || true
        return 1
    fi
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"

    # A data directory made before passwords (initdb --auth=trust): set the password over the
    # still-trusting connection, then require it (scram-sha-256) from every client.
    if _chorus_pg_trusts "$data"; then
        chorus_log "postgres: $data trusts every local client; setting a password for role chorus (scram-sha-256)"
        if ! PGCONNECT_TIMEOUT=10 /usr/bin/psql -h 127.0.0.1 -p "$port" -U chorus -d postgres -Xq -v ON_ERROR_STOP=1 \
            >/dev/null 2>>"$dir/psql.err" <<<"SET password_encryption = 'scram-sha-256'; ALTER ROLE chorus PASSWORD '$secret';"; then
            chorus_log "could not set the password of role chorus:"
            tail -n 5 "$dir/psql.err" >&2 || true
            return 1
        fi
        if ! _chorus_as_pg sed -i -E 's/^([[:space:]]*(local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)[[:space:]].*[[:space:]])trust([[:space:]]*(#.*)?)$/\1scram-sha-256\3/' \
            "$data/pg_hba.conf" || _chorus_pg_trusts "$data" \
            || ! _chorus_as_pg "$bindir/pg_ctl" -D "$data" reload >>"$dir/pg_ctl.out" 2>&1; then
            chorus_log "could not switch $data/pg_hba.conf from trust to scram-sha-256"
            return 1
        fi
        sleep 0.2   # the postmaster reloads pg_hba.conf on SIGHUP, asynchronously
    fi

    if [[ "$(PGPASSWORD="$secret" PGCONNECT_TIMEOUT=10 /usr/bin/psql -h 127.0.0.1 -p "$port" -U chorus -d postgres -XtAq \
        -c "SELECT 1 FROM pg_database WHERE datname = 'chorus'" 2>>"$dir/psql.err")" != 1 ]]; then
        if ! PGPASSWORD="$secret" PGCONNECT_TIMEOUT=10 /usr/bin/psql -h 127.0.0.1 -p "$port" -U chorus -d postgres -Xq \
            -v ON_ERROR_STOP=1 -c 'CREATE DATABASE chorus' >/dev/null 2>>"$dir/psql.err"; then
            chorus_log "could not create database 'chorus':"
            tail -n 5 "$dir/psql.err" >&2 || true
            if grep -q 'password authentication failed' "$dir/psql.err" 2>/dev/null; then
                chorus_log "($dir/postgres.secret does not hold the password of role chorus in $data)"
            fi
            return 1
        fi
    fi

    export DATABASE_URL="postgres://chorus:$secret@127.0.0.1:$port/chorus"
    export POSTGRES_PID="$pid" POSTGRES_PORT="$port" POSTGRES_DATA="$data"
    env_file_set "$dir/env" DATABASE_URL "$DATABASE_URL"
    env_file_set "$dir/env" POSTGRES_PID "$POSTGRES_PID"
    env_file_set "$dir/env" POSTGRES_PORT "$POSTGRES_PORT"
    env_file_set "$dir/env" POSTGRES_DATA "$POSTGRES_DATA"
    env_file_set "$dir/env" POSTGRES_FAST "$fast"
    return 0
}

stop_postgres() {
    local dir="${1:?usage: stop_postgres DIR}" data pid sock
    [[ -d "$dir" ]] || return 0
    data="$(postgres_data_dir "$dir")"
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    [[ -n "$pid" ]] || pid="$(env_file_get "$dir/env" POSTGRES_PID)"
    _chorus_pg_stop_data "$data" "$pid"
    sock="$(env_file_get "$dir/env" POSTGRES_SOCK_DIR)"
    if [[ "$sock" == /tmp/chorus-pgsock.* ]]; then
        rm -rf "$sock"
    fi
    if [[ -f "$dir/env" ]]; then
        env_file_set "$dir/env" POSTGRES_PID ""
    fi
    return 0
}

# crash_postgres DIR: crash the private postgres in DIR: `pg_ctl stop -m immediate` as
# the cluster owner (no checkpoint; the next start runs crash recovery from the WAL),
# SIGKILL if that fails; waits until the postmaster and its children are gone and
# forgets the pid. Prints the postmaster pid it stopped (nothing if it was not running).
# POSTGRES_PORT and the data dir stay, so `start_postgres DIR PORT` brings it back
# (add --fast if DIR/env says POSTGRES_FAST=1).
crash_postgres() {
    local dir="${1:?usage: crash_postgres DIR}" data bindir pid pids p sock
    data="$(postgres_data_dir "$dir")"
    bindir="$(pg_bindir)"
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    [[ -n "$pid" ]] || pid="$(env_file_get "$dir/env" POSTGRES_PID)"
    if [[ -n "$pid" ]] && pid_alive "$pid" && pid_matches "$pid" postgres; then
        pids="$pid $(descendants "$pid" | tr '\n' ' ')"
        # A stopped (SIGSTOP) server would not act on pg_ctl's SIGQUIT.
        for p in $pids; do kill -CONT "$p" 2>/dev/null || true; done
        if [[ -z "$bindir" ]] || ! _chorus_as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w -t 15 stop \
            >>"$dir/pg_ctl.out" 2>&1; then
            chorus_log "pg_ctl stop -m immediate failed for $data; sending SIGKILL"
            for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
        fi
        for p in $pids; do
            if ! wait_pid_gone "$p" 15; then
                chorus_log "postgres process $p is still alive"
                return 1
            fi
        done
        echo "$pid"
    fi
    # pg_ctl and the postmaster's lock file check use kill(pid, 0), which succeeds for a
    # zombie: wait until the old postmaster (crashed now or killed before) is reaped.
    if [[ "$pid" =~ ^[0-9]+$ ]]; then
        local n=0
        while kill -0 "$pid" 2>/dev/null && ! pid_alive "$pid" && ((n < 100)); do
            sleep 0.1
            n=$((n + 1))
        done
        ((n < 100)) || chorus_log "postgres: old postmaster $pid is still a zombie"
    fi
    sock="$(env_file_get "$dir/env" POSTGRES_SOCK_DIR)"
    if [[ "$sock" == /tmp/chorus-pgsock.* ]]; then
        rm -rf "$sock"
    fi
    if [[ -f "$dir/env" ]]; then
        env_file_set "$dir/env" POSTGRES_PID ""
    fi
    return 0
}

# ---------------------------------------------------------------------------
# http

# wait_http URL TIMEOUT_SECONDS [PID]: poll until GET URL answers 200.
# Returns 1 on timeout, or early when PID (if given) has exited.
wait_http() {
    local url="${1:?usage: wait_http URL TIMEOUT [PID]}" timeout="${2:-30}" pid="${3:-}" deadline code
    deadline=$(($(date +%s) + timeout))
    while :; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 1 --max-time 3 "$url" 2>/dev/null)" || true
        [[ "$code" == 200 ]] && return 0
        if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
            return 1
        fi
        (($(date +%s) >= deadline)) && return 1
        sleep 0.25
    done
}
