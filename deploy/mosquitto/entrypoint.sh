#!/bin/sh
# Starts mosquitto with a password file made from a secret, so no password is stored in the repository
# or in the image: user `tributary` gets the password in $EDGE_MQTT_PASSWORD_FILE.
set -eu
secret=${EDGE_MQTT_PASSWORD_FILE:-/run/secrets/edge_mqtt_password}
auth_dir=${MOSQUITTO_AUTH_DIR:-/mosquitto/auth}
config=${MOSQUITTO_CONFIG:-/mosquitto/config/mosquitto.conf}

if [ ! -r "$secret" ]; then
  echo "mosquitto: cannot read the password file $secret (run deploy/compose/init-secrets.sh)" >&2
  exit 66
fi
mkdir -p "$auth_dir"
chmod 0700 "$auth_dir"
umask 077
# -c creates the file anew, so a rotated secret takes effect on the next start.
# The password goes in on stdin (asked twice), not on the command line where `ps` would show it.
password=$(cat "$secret")
printf '%s\n%s\n' "$password" "$password" | mosquitto_passwd -c "$auth_dir/passwd" tributary >/dev/null
# mosquitto drops root for its own user when started as root: it must still read the file.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown -R mosquitto:mosquitto "$auth_dir"
fi
exec mosquitto -c "$config"
