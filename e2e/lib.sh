# Helpers shared by the end-to-end tests (sourced, not run). The sourcing script sets T (its temporary
# folder); the tmux ones also set SOCK (a private tmux server's socket, so the tests never touch the
# user's sessions), S (the session name) and WAIT_TENTHS (how long wait_for waits, in tenths of a second).
passed=0
failed=0
tm() { tmux -S "$SOCK" "$@"; }
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$T"; }

# Runs a check quietly; prints "ok" or "FAIL" with the end of what it printed.
# E2E_ONLY=word runs only the checks whose name contains it (the rest are not counted).
check() {
    local name=$1
    shift
    if [ -n "${E2E_ONLY:-}" ] && [[ "$name" != *"$E2E_ONLY"* ]]; then return 0; fi
    if "$@" >"$T/check.out" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$T/check.out" | tail -40
    fi
}

screen() { tm capture-pane -p -t "$S" 2>/dev/null; }

# Waits for the screen to contain a fixed string (grep -F), then shows the screen on failure.
wait_for() {
    local i
    for i in $(seq 1 "${WAIT_TENTHS:-50}"); do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "screen never showed: $1"; screen
    return 1
}

# Waits for a fixed string to disappear.
wait_gone() {
    local i
    for i in $(seq 1 "${WAIT_TENTHS:-50}"); do
        screen | grep -qF -- "$1" || return 0
        sleep 0.1
    done
    echo "screen still shows: $1"; screen
    return 1
}

# Stops the tasks of workspace $2 that still run (binary $1): trainers run detached and would
# outlive the test's temporary workspace otherwise.
stop_running_tasks() {
    local id
    for id in $("$1" --workspace "$2" task list --json 2>/dev/null |
                python3 -c 'import json,sys; print(" ".join(t["id"] for t in json.load(sys.stdin) if t["state"] in ("running", "paused", "starting", "waiting_gpu", "stopping", "pending")))' 2>/dev/null); do
        "$1" --workspace "$2" task stop "$id" >/dev/null 2>&1
    done
}

# Makes sure the one-node test Slurm answers (scripts/slurm-local.sh): starts it unless one does, and
# then sets SLURM_STARTED=1 so the caller's EXIT trap runs `scripts/slurm-local.sh down`; names the
# cluster's slurm.conf for the client programs where /etc/slurm has none. Returns 1, with the reason in
# $T/slurm-up.out, when it cannot be started (the caller skips).
SLURM_STARTED=
slurm_up() {
    if ! scripts/slurm-local.sh status >/dev/null 2>&1; then
        scripts/slurm-local.sh up >"$T/slurm-up.out" 2>&1 || return 1
        SLURM_STARTED=1
    fi
    [ -e /etc/slurm/slurm.conf ] || eval "$(scripts/slurm-local.sh env)"
}

# Starts `BIN --workspace W serve ARGS…` in the background (start_server BIN W ARGS…) and waits until
# it listens: sets SERVER (its pid) and URL (from its first line, "serving W at URL"); its output is in
# $T/serve.<pid>.out. Fails, showing that output, when it exits or does not listen within 10 s.
start_server() {
    local bin=$1 ws=$2 out=$T/serve.$RANDOM.out i
    shift 2
    "$bin" --workspace "$ws" serve "$@" >"$out" 2>&1 &
    SERVER=$!
    URL=
    for i in $(seq 1 100); do
        URL=$(sed -n 's/^serving .* at \(http[s]*:\/\/[^ ]*\)$/\1/p' "$out" | head -1)
        [ -n "$URL" ] && return 0
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.1
    done
    echo "the server did not start:"; cat "$out"
    return 1
}
