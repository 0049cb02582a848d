#!/bin/sh
# The hub-setup service of docker-compose.yml: registers each agent in $TRIBUTARY_AGENTS at the hub with
# the password in /run/secrets/<agent id with - as _>_hub_password. `--replace` makes it idempotent and
# applies a rotated password; the hub reads credentials on every connection, so no restart is needed.
set -eu
config=${TRIBUTARY_HUB_CONFIG:?set TRIBUTARY_HUB_CONFIG to the hub config file}
for agent in ${TRIBUTARY_AGENTS:?set TRIBUTARY_AGENTS to the agent ids, space-separated}; do
  secret=${TRIBUTARY_SECRETS_DIR:-/run/secrets}/$(echo "$agent" | tr '-' '_')_hub_password
  tributary hub agent add "$agent" --config "$config" --password-file "$secret" --replace
done
