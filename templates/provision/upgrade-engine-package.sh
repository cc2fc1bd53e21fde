# Upgrade the named engine packages in place with the distribution's package manager.
set -e
export LC_ALL=C
{{upgradeCommand}}
command -v dockerd >/dev/null 2>&1 || { echo "the upgrade finished but dockerd is not on the PATH" >&2; exit 1; }
