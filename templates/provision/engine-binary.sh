# The engine's binary on disk and the one the running dockerd was started from. When their contents differ, the
# running engine is not the installed one (a package replaced the file without restarting it): only a restart
# brings the new one in. /proc/PID/exe still reads the old file after it was replaced.
dockerd=$(command -v dockerd 2>/dev/null)
if [ -n "$dockerd" ]; then
  echo "path=$dockerd"
  echo "installed=$(sha256sum "$dockerd" | cut -d' ' -f1)"
  echo "version=$("$dockerd" --version 2>/dev/null | head -n 1)"
fi
pid=$(cat /var/run/docker.pid 2>/dev/null)
if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then pid=$(pidof -s dockerd 2>/dev/null); fi
if [ -n "$pid" ]; then
  echo "pid=$pid"
  echo "running=$(sha256sum "/proc/$pid/exe" 2>/dev/null | cut -d' ' -f1)"
fi
