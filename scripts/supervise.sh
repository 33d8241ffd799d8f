# Source me. `supervise NAME COMMAND...` runs COMMAND and runs it again each time
# it exits, after a back-off (1 s, doubling up to SUPERVISE_MAX_DELAY, reset once
# it ran for a minute), logging every exit to stderr and $SUPERVISE_LOG. It
# returns only when sent SIGTERM, after stopping COMMAND. Start it in the
# background; one crashed process is restarted, nothing else is touched.
SUPERVISE_MAX_DELAY="${SUPERVISE_MAX_DELAY:-60}"
SUPERVISE_LOG="${SUPERVISE_LOG:-/dev/null}"

_supervise_log() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) supervise: $*" | tee -a "$SUPERVISE_LOG" >&2
}

supervise() {
  set +e  # in its own background subshell: an exit status is something to log, not to die of
  local name="$1"; shift
  local delay=1 child="" started status
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM
  while true; do
    started=$SECONDS
    "$@" &
    child=$!
    _supervise_log "$name started (pid $child)"
    wait "$child"
    status=$?
    if (( SECONDS - started >= 60 )); then delay=1; fi
    _supervise_log "$name exited with status $status; restarting in ${delay}s"
    sleep "$delay" & child=$!
    wait "$child"
    delay=$(( delay * 2 > SUPERVISE_MAX_DELAY ? SUPERVISE_MAX_DELAY : delay * 2 ))
  done
}
