#!/bin/sh
# Installs (or upgrades) the Tributary edge agent as a systemd service. See docs/install-raspberry-pi.md.
set -eu

usage() {
  cat <<'EOF'
Usage: sudo deploy/install-agent.sh [--source DIR | --tarball FILE | --package SPEC] [--flow FILE]
                                    [--hub] [--no-enable] [--root DIR]

Installs the tributary command into /opt/tributary/releases/<version>, points /opt/tributary/current at
it, creates the tributary user (groups tributary, dialout), /var/lib/tributary (the durable log) and
/etc/tributary (config), installs deploy/systemd/tributary-agent.service, reloads systemd and enables the
unit. Safe to run again: an upgrade stops the agent, checks every log with `tributary log verify`, and
starts it again. Nothing under /var/lib/tributary is ever deleted.

What to install (default: --source, the checkout this script is in):
  --source DIR     a built checkout (npm ci && npm run build done: dist/cli/tributary.js exists)
  --tarball FILE   a .tar.gz of such a checkout (one top-level folder)
  --package SPEC   anything `npm install` takes that holds a built package (a registry name@version)

Options:
  --flow FILE      install FILE as /etc/tributary/flow.yaml after `tributary validate` accepts it
                   (an existing different flow is kept as flow.yaml.bak-<time>)
  --hub            install deploy/systemd/tributary-hub.service too (not enabled; see docs/hub.md)
  --no-enable      install the unit but do not enable it
  --root DIR       install into another root file system (an SD card image); runs no systemctl
  -h, --help       this help

Exit codes: 0 installed, 64 usage, 66 input missing, 69 a required program is missing (node, npm),
70 the installed command or the log check failed, 77 not run as root, 78 the --flow is invalid.
EOF
}

die() { code=$1; shift; echo "install-agent: $*" >&2; exit "$code"; }
say() { echo "install-agent: $*"; }

here=$(cd "$(dirname "$0")" && pwd)
source_dir=""; tarball=""; package=""; flow=""; hub=0; enable=1; root=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --source) [ $# -ge 2 ] || die 64 "--source needs a directory"; source_dir=$2; shift 2 ;;
    --tarball) [ $# -ge 2 ] || die 64 "--tarball needs a file"; tarball=$2; shift 2 ;;
    --package) [ $# -ge 2 ] || die 64 "--package needs a package spec"; package=$2; shift 2 ;;
    --flow) [ $# -ge 2 ] || die 64 "--flow needs a file"; flow=$2; shift 2 ;;
    --hub) hub=1; shift ;;
    --no-enable) enable=0; shift ;;
    --root) [ $# -ge 2 ] || die 64 "--root needs a directory"; root=${2%/}; shift 2 ;;
    *) usage >&2; die 64 "unknown argument: $1" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die 77 "run me as root (sudo $0 ...): I create a system user and install a systemd unit"
command -v node >/dev/null || die 69 "node is missing: install Node.js 20 first (docs/install-raspberry-pi.md)"
command -v npm >/dev/null || die 69 "npm is missing: install Node.js 20 with npm first"
[ -z "$root" ] || [ -d "$root" ] || die 66 "--root $root is not a directory"
if [ -z "$source_dir$tarball$package" ]; then source_dir=$(dirname "$here"); fi
[ -z "$flow" ] || [ -r "$flow" ] || die 66 "cannot read the flow $flow"

opt=$root/opt/tributary
state=$root/var/lib/tributary
config=$root/etc/tributary
units=$root/etc/systemd/system
stamp=$(date +%Y%m%d%H%M%S)

# --- the user: system account, no login, in dialout for serial ports
prefix_args=""
[ -z "$root" ] || prefix_args="--prefix $root"
if ! grep -q '^tributary:' "$root/etc/group" 2>/dev/null; then
  # shellcheck disable=SC2086
  groupadd --system $prefix_args tributary
  say "created group tributary"
fi
if ! grep -q '^tributary:' "$root/etc/passwd" 2>/dev/null; then
  # shellcheck disable=SC2086
  useradd --system $prefix_args --gid tributary --groups dialout --home-dir /var/lib/tributary --no-create-home \
    --shell /usr/sbin/nologin --comment "Tributary agent" tributary
  say "created user tributary (groups tributary, dialout)"
else
  # shellcheck disable=SC2086
  usermod $prefix_args --append --groups dialout tributary
fi
uid=$(awk -F: '$1 == "tributary" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "tributary" { print $3 }' "$root/etc/group")

# --- directories: created or their modes fixed, never emptied
install -d -m 0750 -o "$uid" -g "$gid" "$state"
install -d -m 0750 -o 0 -g "$gid" "$config"
install -d -m 0755 "$opt" "$opt/releases" "$opt/bin" "$units"

# --- the release: a fresh folder per install, production dependencies compiled here (better-sqlite3)
work=$(mktemp -d "$opt/releases/.new-XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "$package" ]; then
  npm install --global --prefix "$work" --omit=dev --no-audit --no-fund "$package"
  app=$work/lib/node_modules/tributary
elif [ -n "$tarball" ]; then
  [ -r "$tarball" ] || die 66 "cannot read the tarball $tarball"
  mkdir "$work/app"
  tar -xzf "$tarball" -C "$work/app" --strip-components=1
  app=$work/app
else
  [ -f "$source_dir/dist/cli/tributary.js" ] || die 66 "$source_dir has no dist/cli/tributary.js: run npm ci && npm run build there first"
  mkdir "$work/app"
  # what the command needs at run time; node_modules is rebuilt below without dev dependencies
  for part in bin dist flows package.json package-lock.json; do
    [ -e "$source_dir/$part" ] && cp -R "$source_dir/$part" "$work/app/"
  done
  app=$work/app
fi
[ -f "$app/dist/cli/tributary.js" ] || die 66 "the package has no dist/cli/tributary.js (it must be built)"
if [ -z "$package" ]; then
  (cd "$app" && if [ -f package-lock.json ]; then npm ci --omit=dev --no-audit --no-fund; else npm install --omit=dev --no-audit --no-fund; fi) >&2
fi
version=$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$app/package.json")
release=$opt/releases/$version-$stamp
mv "$app" "$release"
rm -rf "$work"
trap - EXIT
"$release/bin/tributary.js" --version >/dev/null || die 70 "the installed command does not run: $release/bin/tributary.js --version failed"

# --- the flow
if [ -n "$flow" ]; then
  "$release/bin/tributary.js" validate "$flow" || die 78 "the flow $flow is invalid: nothing was switched"
  if [ -f "$config/flow.yaml" ] && ! cmp -s "$flow" "$config/flow.yaml"; then
    cp -p "$config/flow.yaml" "$config/flow.yaml.bak-$stamp"
    say "kept the previous flow as $config/flow.yaml.bak-$stamp"
  fi
  install -m 0640 -o 0 -g "$gid" "$flow" "$config/flow.yaml"
fi

# --- switch: stop the agent, point current at the release, check the logs, start again
systemd=0
[ -z "$root" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ] && systemd=1
was_active=0
if [ "$systemd" -eq 1 ] && systemctl is-active --quiet tributary-agent; then
  say "stopping tributary-agent (it commits what it holds first)"
  systemctl stop tributary-agent
  was_active=1
fi
ln -sfn "releases/$version-$stamp" "$opt/current.new" && mv -T "$opt/current.new" "$opt/current"
ln -sfn ../current/bin/tributary.js "$opt/bin/tributary"
say "installed tributary $version in $release ($opt/bin/tributary)"

# Every durable log under the state dir must be readable by the new version before the agent starts on it.
for log in $(find "$state" -maxdepth 3 -name log.db 2>/dev/null); do
  say "checking $log"
  # as the tributary user: a read may create the WAL's -shm file, which the agent must be able to open
  if ! setpriv --reuid="$uid" --regid="$gid" --clear-groups "$opt/bin/tributary" log verify --file "$log"; then
    die 70 "tributary log verify found problems in $log: the agent was left stopped; see docs/install-raspberry-pi.md (upgrade)"
  fi
done

# keep the three newest releases (rollback: point current at an older one, see the docs)
ls -1dt "$opt"/releases/*/ 2>/dev/null | tail -n +4 | while read -r old; do
  [ "$(readlink -f "$old")" = "$(readlink -f "$opt/current")" ] || rm -rf "$old"
done

install -m 0644 "$here/systemd/tributary-agent.service" "$units/tributary-agent.service"
[ "$hub" -eq 0 ] || install -m 0644 "$here/systemd/tributary-hub.service" "$units/tributary-hub.service"
if [ "$systemd" -eq 1 ]; then
  systemctl daemon-reload
  [ "$enable" -eq 0 ] || systemctl enable tributary-agent
  if [ "$was_active" -eq 1 ]; then
    systemctl start tributary-agent
    say "tributary-agent started again"
  elif [ -f "$config/flow.yaml" ]; then
    say "start it with: systemctl start tributary-agent"
  fi
elif [ "$enable" -eq 1 ]; then
  # no running systemd (an image, a container): enable = the link systemctl enable would make
  install -d -m 0755 "$units/multi-user.target.wants"
  ln -sfn ../tributary-agent.service "$units/multi-user.target.wants/tributary-agent.service"
fi
[ -f "$config/flow.yaml" ] || say "no flow yet: put one in /etc/tributary/flow.yaml (tributary validate it), then systemctl start tributary-agent"
say "logs: journalctl -u tributary-agent -f"
