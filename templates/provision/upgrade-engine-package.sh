# Upgrade the installed Docker engine in place with the distribution's package manager.
set -e
{{upgradeCommand}}
command -v dockerd >/dev/null 2>&1 || { echo "the upgrade finished but dockerd is not on the PATH" >&2; exit 1; }
