# Install the Docker engine with an install script (the official convenience script by default).
set -e
url={{url}}
script=$(mktemp)
trap 'rm -f "$script"' EXIT
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 3 "$url" -o "$script"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$script" "$url"
else
  echo "neither curl nor wget is installed on the host" >&2
  exit 127
fi
sh "$script"
command -v dockerd >/dev/null 2>&1 || { echo "the install script finished but dockerd is not on the PATH" >&2; exit 1; }
