# Everything provisioning needs to know about the host, gathered in one round trip.
# Output: key=value lines, then the os-release file after a marker line.
echo "uid=$(id -u)"
echo "hostname=$(cat /proc/sys/kernel/hostname 2>/dev/null)"
if [ -d /run/systemd/system ]; then
  echo init=systemd
elif command -v openrc >/dev/null 2>&1 || [ -x /sbin/openrc-run ]; then
  echo init=openrc
elif [ -d /etc/init.d ]; then
  echo init=sysvinit
else
  echo init=unknown
fi
for tool in dockerd docker curl wget sha256sum; do
  echo "$tool=$(command -v "$tool" 2>/dev/null)"
done
if pidof dockerd >/dev/null 2>&1; then echo dockerd_running=yes; else echo dockerd_running=no; fi
# dockerd writes its pidfile as it starts: a file changed since then is not in effect in the running engine
# (a provisioning cut short between writing the configuration and restarting the engine leaves exactly that).
pidfile=/var/run/docker.pid
engine_pid=$(cat "$pidfile" 2>/dev/null)
if [ -z "$engine_pid" ] || [ "$(cat "/proc/$engine_pid/comm" 2>/dev/null)" != dockerd ]; then pidfile=; fi
for file in {{files}}; do
  if [ -f "$file" ]; then
    echo "file:$file=$(sha256sum "$file" | cut -d' ' -f1)"
    if [ -n "$pidfile" ] && [ "$file" -nt "$pidfile" ]; then echo "newer_than_engine:$file=yes"; fi
  fi
done
echo '--- os-release ---'
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
