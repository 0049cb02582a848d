#!/bin/sh
# Creates the secret files docker-compose.yml mounts, each a random string, unless it exists already
# (run it again after deleting one to rotate it: see docs/operations.md).
#   deploy/compose/init-secrets.sh [--help]
set -eu
case "${1:-}" in
  -h|--help)
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
    exit 0 ;;
  "") ;;
  *) echo "init-secrets: unknown argument $1 (try --help)" >&2; exit 64 ;;
esac

dir=$(dirname "$0")/secrets
mkdir -p "$dir"
# The directory keeps other users of this machine out. The files themselves must be readable by the
# containers' users (tributary, uid 10001; mosquitto), which see a bind-mounted file with its host mode.
chmod 0700 "$dir"
for name in hub_api_token edge_mqtt_password greenhouse_a_hub_password fleet_gps_hub_password; do
  file=$dir/$name
  if [ -s "$file" ]; then
    echo "init-secrets: $file exists, kept"
    continue
  fi
  # 24 random bytes, base64url: 32 characters (the hub wants >= 16 for a token, >= 12 for a password)
  head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$file"
  chmod 0644 "$file"
  echo "init-secrets: wrote $file"
done
echo "init-secrets: the dashboard login token is in $dir/hub_api_token"
