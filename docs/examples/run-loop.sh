#!/usr/bin/env bash
# One monitoring pass a minute on a machine you run, with the action's own
# image: the state, history and report files live in STATE_DIR, which
# outlives every container, so each pass goes on from the last. Passes never
# overlap: the next starts INTERVAL seconds after the previous one ended.
# docs/operating.md explains it; TestRunLoopRecipe runs it.
set -euo pipefail
: "${PAGERDUTY_ROUTING_KEY:?set PAGERDUTY_ROUTING_KEY to the routing key (Integration Key) of the PagerDuty service}"
state_dir=${STATE_DIR:-/srv/nonce-monitor} # holds process-ids.txt, one process ID per line
image=${IMAGE:-ghcr.io/OWNER/nonce-monitor-action:v1}
docker=${DOCKER:-docker} # or podman
interval=${INTERVAL:-60}
passes=${PASSES:-0} # 0: forever

# Secrets go by name (--env NAME), so their values never show in ps.
export INPUT_PAGERDUTY_ROUTING_KEY=$PAGERDUTY_ROUTING_KEY
export INPUT_HEARTBEAT_URL=${HEARTBEAT_URL:-}
n=0
while :; do
  if ! "$docker" run --rm --volume "$state_dir:/work" --workdir /work \
    --env INPUT_PAGERDUTY_ROUTING_KEY --env INPUT_HEARTBEAT_URL \
    "$image" --process-ids-file process-ids.txt --stuck-after 10m "$@"; then
    echo "$(date -u +%FT%TZ) the pass failed (see above); the next one goes on from the state file" >&2
  fi
  n=$((n + 1))
  if [ "$passes" -gt 0 ] && [ "$n" -ge "$passes" ]; then break; fi
  sleep "$interval"
done
