# shellcheck shell=bash
# Chorus: HAProxy in front of the gateways -- the cluster's one entry point (REST and WebSockets,
# plain HTTP and TLS). Sourced by scripts/cluster and scripts/test after services.sh.
#
# Public functions
#   ensure_haproxy                    install haproxy, socat and openssl if missing (as root)
#   lb_tls_material DIR               DIR/tls/server.pem (cert + key, 0600): $CHORUS_TLS_CERT if
#                                     set, else a certificate for localhost/127.0.0.1 signed by a
#                                     local CA generated once (DIR/tls/ca.pem; key ca.key, 0600)
#   lb_write_config DIR PORT TLS_PORT SERVER...
#                                     DIR/haproxy.cfg with one server per SERVER, written
#                                     NAME=PORT (a gateway on 127.0.0.1:PORT) or NAME=PORT:off
#                                     (a slot in maintenance, for a gateway to come)
#   start_lb DIR                      haproxy (master-worker) on DIR/haproxy.cfg; exports LB_PID
#   reload_lb DIR                     check the config, then a hitless reload (USR2 to the
#                                     master: new connections go to the new worker, established
#                                     ones stay with the old one until they end)
#   stop_lb DIR                       stop it (idempotent)
#   lb_command DIR COMMAND...         one runtime-API command (DIR/admin.sock); prints the answer
#   lb_set_server DIR NAME ready|drain|maint   admin state of gateway NAME (REST follows)
#   lb_point_server DIR NAME PORT     slot NAME now means the gateway on 127.0.0.1:PORT (runtime
#                                     only: no reload, so least-connections keeps its counts)
#   lb_server_status DIR NAME         UP, DOWN, MAINT, DRAIN, ... as HAProxy sees it now
#   lb_wait_server DIR NAME STATUS TIMEOUT     until lb_server_status is STATUS
#   lb_connections DIR NAME           current connections HAProxy holds to gateway NAME
#
# Settings (environment):
#   CHORUS_TLS_CERT     PEM file with the certificate chain and its private key (HAProxy's
#                       `crt` format) for the TLS port; default: the generated local one
#   CHORUS_LB_HTTP      allow (default) | redirect (308 to https) | refuse (403) plain HTTP
#   CHORUS_LB_TUNNEL_TIMEOUT   idle WebSocket through the balancer (default 1h; gateways ping
#                       after WS_PING_INTERVAL_MS of silence, so live sockets never reach it)

[[ -n "${_CHORUS_HAPROXY_SH:-}" ]] && return 0
_CHORUS_HAPROXY_SH=1

ensure_haproxy() {
    local missing=()
    command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
    command -v socat >/dev/null 2>&1 || missing+=(socat)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    [[ ${#missing[@]} -eq 0 ]] && return 0
    chorus_apt_install "${missing[@]}" || return 1
    # The package may start a system-wide haproxy on port 80 where an init system runs; ours is private.
    command -v haproxy >/dev/null 2>&1 && command -v socat >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# TLS

lb_tls_material() {
    local dir="${1:?usage: lb_tls_material DIR}" tls
    tls="$dir/tls"
    mkdir -p "$tls"
    chmod 700 "$tls"
    if [[ -n "${CHORUS_TLS_CERT:-}" ]]; then
        [[ -r "$CHORUS_TLS_CERT" ]] || { chorus_log "CHORUS_TLS_CERT=$CHORUS_TLS_CERT is not readable"; return 1; }
        grep -q "PRIVATE KEY" "$CHORUS_TLS_CERT" \
            || { chorus_log "CHORUS_TLS_CERT must hold the certificate chain and its private key (one PEM file)"; return 1; }
        (umask 077 && cp "$CHORUS_TLS_CERT" "$tls/server.pem")
        rm -f "$tls/ca.pem"
        return 0
    fi
    (
        set -e
        umask 077
        cd "$tls"
        if [[ ! -s ca.key || ! -s ca.pem ]]; then
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
                -days 3650 -subj "/CN=Chorus local CA $(hostname 2>/dev/null || echo host)" \
                -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
            rm -f server.pem
        fi
        # A certificate that expires within 30 days (or none) is made again.
        if [[ ! -s server.pem ]] || ! openssl x509 -in server.pem -noout -checkend 2592000 >/dev/null 2>&1; then
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
                -subj "/CN=localhost" 2>/dev/null
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.crt \
                -days 397 -extfile server.ext 2>/dev/null
            cat server.crt server.key >server.pem
            rm -f server.csr server.ext server.key server.crt
        fi
        chmod 644 ca.pem
    ) || { chorus_log "could not generate the local TLS certificate in $tls (openssl)"; return 1; }
}

# ---------------------------------------------------------------------------
# config

# The runtime-API socket (Unix socket paths are limited to ~107 bytes: a short one if needed).
_lb_socket() {
    local dir="$1" sock
    sock="$dir/admin.sock"
    if ((${#sock} > 100)); then
        sock="$(env_file_get "$dir/env" LB_SOCKET)"
        if [[ -z "$sock" ]]; then
            sock="$(mktemp -u /tmp/chorus-lb.XXXXXX).sock"
            env_file_set "$dir/env" LB_SOCKET "$sock"
        fi
    fi
    echo "$sock"
}

lb_write_config() {
    local dir="${1:?}" port="${2:?}" tls_port="${3:?}" spec name target state mode
    shift 3
    mode="${CHORUS_LB_HTTP:-allow}"
    case "$mode" in allow|redirect|refuse) ;; *) chorus_log "CHORUS_LB_HTTP must be allow, redirect or refuse (not '$mode')"; return 1 ;; esac
    local tunnel="${CHORUS_LB_TUNNEL_TIMEOUT:-1h}"
    {
        cat <<EOF
# Generated by scripts/cluster ($(date -u '+%Y-%m-%dT%H:%M:%SZ')); edits are overwritten.
# docs/OPERATIONS.md explains each part and gives a production version to copy.
global
    master-worker
    stats socket $(_lb_socket "$dir") mode 600 level admin expose-fd listeners
    log stderr format raw local0 notice
    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
    # After a reload, an old process keeps its established WebSockets at most this long.
    hard-stop-after 2h

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 60s
    timeout queue 5s
    # A WebSocket is a tunnel once upgraded: idle for this long, it is closed.
    timeout tunnel $tunnel
    timeout client-fin 10s
    timeout server-fin 10s
    # A gateway that refuses a connection (killed, not yet marked down): try another one.
    option redispatch
    retries 2

frontend chorus
    bind 127.0.0.1:$port
    bind 127.0.0.1:$tls_port ssl crt $dir/tls/server.pem alpn http/1.1
    # The client address for the gateways' per-address limits (TRUSTED_PROXIES): replaced, never
    # appended to, so a client cannot put an address of its choosing in front of it.
    http-request set-header X-Forwarded-For %[src]
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Forwarded-Proto http unless { ssl_fc }
EOF
        case "$mode" in
            redirect) echo '    http-request redirect scheme https code 308 unless { ssl_fc }' ;;
            refuse) printf '    http-request return status 403 content-type application/json string "{\\"error\\":{\\"code\\":\\"forbidden\\",\\"message\\":\\"plain HTTP is refused: use https\\"}}" unless { ssl_fc }\n' ;;
        esac
        cat <<EOF
    # The nodes' own metrics are for Prometheus, which scrapes each node directly: not public.
    http-request return status 404 content-type application/json string "{\"error\":{\"code\":\"not_found\",\"message\":\"not found\"}}" if { path /metrics }
    acl websocket hdr(Upgrade) -i websocket
    use_backend gateways_ws if websocket
    default_backend gateways

# WebSockets: the gateway with the fewest connections; health from /readyz (a draining gateway
# answers 503 and gets no new client).
backend gateways_ws
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 check
EOF
        for spec in "$@"; do
            name="${spec%%=*}" target="${spec#*=}" state=""
            [[ "$target" == *:off ]] && state=" disabled"
            echo "    server $name 127.0.0.1:${target%:off}$state"
        done
        cat <<EOF

# REST: the same gateways and the same health (tracked, not checked twice).
backend gateways
    balance roundrobin
EOF
        for spec in "$@"; do
            name="${spec%%=*}" target="${spec#*=}"
            echo "    server $name 127.0.0.1:${target%:off} track gateways_ws/$name"
        done
        cat <<EOF

# HAProxy's own metrics for Prometheus, and its stats page (local only).
frontend stats
    bind 127.0.0.1:$((tls_port + 1))
    http-request use-service prometheus-exporter if { path /metrics }
    stats enable
    stats uri /stats
    stats refresh 5s
EOF
    } >"$dir/haproxy.cfg.new"
    if ! haproxy -c -q -f "$dir/haproxy.cfg.new" >"$dir/haproxy-check.log" 2>&1; then
        chorus_log "haproxy refused the generated config ($dir/haproxy.cfg.new):"
        cat "$dir/haproxy-check.log" >&2
        return 1
    fi
    mv "$dir/haproxy.cfg.new" "$dir/haproxy.cfg"
    env_file_set "$dir/env" LB_PORT "$port"
    env_file_set "$dir/env" LB_TLS_PORT "$tls_port"
    env_file_set "$dir/env" LB_STATS_PORT "$((tls_port + 1))"
    env_file_set "$dir/env" LB_SLOTS "$#"
}

# ---------------------------------------------------------------------------
# process

_lb_pid() { env_file_get "$1/env" LB_PID; }

start_lb() {
    local dir="${1:?usage: start_lb DIR}" pid
    pid="$(_lb_pid "$dir")"
    if [[ -n "$pid" ]] && pid_alive "$pid" && pid_matches "$pid" haproxy; then
        chorus_log "haproxy is already running (pid $pid)"
        return 1
    fi
    (
        cd "$dir"
        exec nohup haproxy -W -db -f "$dir/haproxy.cfg" >>"$dir/haproxy.log" 2>&1 </dev/null
    ) &
    pid=$!
    env_file_set "$dir/env" LB_PID "$pid"
    export LB_PID="$pid"
    # Its stats page answers once the worker runs (the public ports are bound by then too).
    if ! wait_http "http://127.0.0.1:$(env_file_get "$dir/env" LB_STATS_PORT)/stats" 10 "$pid"; then
        chorus_log "haproxy did not start; last lines of $dir/haproxy.log:"
        tail -n 20 "$dir/haproxy.log" >&2 || true
        return 1
    fi
}

reload_lb() {
    local dir="${1:?usage: reload_lb DIR}" pid
    pid="$(_lb_pid "$dir")"
    if [[ -z "$pid" ]] || ! pid_alive "$pid"; then chorus_log "haproxy is not running"; return 1; fi
    haproxy -c -q -f "$dir/haproxy.cfg" >&2 || return 1
    kill -USR2 "$pid"
    # The new worker answers on the runtime socket once it runs.
    sleep 0.5
    local deadline=$(($(date +%s) + 10))
    until lb_command "$dir" "show info" 2>/dev/null | grep -q '^Pid:'; do
        (($(date +%s) >= deadline)) && { chorus_log "haproxy did not come back after the reload"; return 1; }
        sleep 0.1
    done
}

stop_lb() {
    local dir="${1:?usage: stop_lb DIR}" pid
    pid="$(_lb_pid "$dir")"
    if [[ -n "$pid" ]] && pid_alive "$pid" && pid_matches "$pid" haproxy; then
        stop_pid "$pid" 10 haproxy
    fi
    [[ -f "$dir/env" ]] && env_file_set "$dir/env" LB_PID ""
    return 0
}

# ---------------------------------------------------------------------------
# runtime API

lb_command() {
    local dir="${1:?}"
    shift
    printf '%s\n' "$*" | socat -t 2 - "UNIX-CONNECT:$(_lb_socket "$dir")"
}

lb_set_server() {
    local dir="${1:?}" name="${2:?}" state="${3:?}" answer
    # The REST backend's servers track these: they inherit drain and maintenance.
    answer="$(lb_command "$dir" "set server gateways_ws/$name state $state")" || return 1
    [[ -z "${answer//[$'\n\r ']/}" ]] || { chorus_log "haproxy: set server gateways_ws/$name state $state: $answer"; return 1; }
}

lb_point_server() {
    local dir="${1:?}" name="${2:?}" port="${3:?}" answer backend
    for backend in gateways_ws gateways; do
        answer="$(lb_command "$dir" "set server $backend/$name addr 127.0.0.1 port $port")" || return 1
        [[ "$answer" == *"changed"* || "$answer" == *"no need to change"* || -z "${answer//[$'\n\r ']/}" ]] \
            || { chorus_log "haproxy: set server $backend/$name addr: $answer"; return 1; }
    done
}

# Fields of `show servers state`: 4 srv_name, 6 srv_op_state (0 stopped, 1 starting, 2 running,
# 3 stopping), 7 srv_admin_state (0x01 forced maint, 0x02 inherited maint, 0x04 "disabled" in the
# config (informational), 0x08 forced drain, 0x10 inherited drain, 0x20 resolution maint, 0x40 hostname maint).
lb_server_status() {
    local dir="${1:?}" name="${2:?}"
    lb_command "$dir" "show servers state gateways_ws" | awk -v n="$name" '
        function bit(v, b) { return int(v / b) % 2 == 1 }
        $4 == n {
            admin = $7 + 0; op = $6 + 0
            if (bit(admin, 1) || bit(admin, 2) || bit(admin, 32) || bit(admin, 64)) { print "MAINT"; exit }
            if (bit(admin, 8) || bit(admin, 16)) { print (op == 2 ? "DRAIN" : "DOWN"); exit }
            print (op == 2 ? "UP" : "DOWN"); exit
        }'
}

lb_wait_server() {
    local dir="${1:?}" name="${2:?}" want="${3:?}" timeout="${4:-10}" deadline
    deadline=$(($(date +%s) + timeout))
    until [[ "$(lb_server_status "$dir" "$name")" == "$want" ]]; do
        (($(date +%s) >= deadline)) && return 1
        sleep 0.2
    done
}

# `show stat` CSV: field 2 svname, field 5 scur (current sessions).
lb_connections() {
    local dir="${1:?}" name="${2:?}"
    lb_command "$dir" "show stat" | awk -F, -v n="$name" '$1 == "gateways_ws" && $2 == n { print $5; exit }'
}
