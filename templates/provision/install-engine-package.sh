# Install the Docker engine from the distribution's own packages.
set -e
{{installCommand}}
command -v dockerd >/dev/null 2>&1 || { echo "the packages installed but dockerd is not on the PATH" >&2; exit 1; }
