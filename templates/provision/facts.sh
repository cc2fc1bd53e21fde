# Everything provisioning needs to know about the host, gathered in one round trip.
# Output: key=value lines (text that may span lines is base64, so it fits on one), then the os-release file after a
# marker line.
b64() { base64 | tr -d '\n'; }
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
# The engine's group, which lets its members use its socket, and the groups of the user berth logs in as.
getent group docker >/dev/null 2>&1 && echo docker_group=yes
echo "login_groups=$(id -nG {{user}} 2>/dev/null)"
# dockerd writes its pidfile as it starts: a file changed since then is not in effect in the running engine
# (a provisioning cut short between writing the configuration and restarting the engine leaves exactly that).
pidfile=/var/run/docker.pid
engine_pid=$(cat "$pidfile" 2>/dev/null)
if [ -z "$engine_pid" ] || [ "$(cat "/proc/$engine_pid/comm" 2>/dev/null)" != dockerd ]; then pidfile=; engine_pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1); fi
for file in {{files}}; do
  if [ -f "$file" ]; then
    echo "file:$file=$(sha256sum "$file" | cut -d' ' -f1)"
    if [ -n "$pidfile" ] && [ "$file" -nt "$pidfile" ]; then echo "newer_than_engine:$file=yes"; fi
  fi
done
# The engine's present configuration, which berth must not break: how the running dockerd was started, its
# daemon.json, how its service starts it, the environment and option files that feeds, and the options this
# dockerd knows.
config_file=/etc/docker/daemon.json
if [ -n "$engine_pid" ] && [ -r "/proc/$engine_pid/cmdline" ]; then
  echo "engine_pid=$engine_pid"
  echo "engine_cmdline=$(b64 < "/proc/$engine_pid/cmdline")"
  given=$(tr '\0' '\n' < "/proc/$engine_pid/cmdline" | sed -n -e 's/^--config-file=//p' -e '/^--config-file$/{n;p;}' | head -n 1)
  [ -n "$given" ] && config_file=$given
fi
echo "daemon_json_path=$config_file"
[ -f "$config_file" ] && echo "daemon_json=$(b64 < "$config_file")"
if [ -d /run/systemd/system ] && unit=$(systemctl cat docker.service 2>/dev/null); then
  echo "unit=$(printf '%s\n' "$unit" | b64)"
  printf '%s\n' "$unit" | sed -n 's/^EnvironmentFile=-\{0,1\}//p' | while IFS= read -r env_file; do
    [ -f "$env_file" ] && echo "text:$env_file=$(b64 < "$env_file")"
  done
fi
# An init script sources its option file as shell: what DOCKER_OPTS holds without berth's part is what the user set.
for file in {{optionFiles}}; do
  [ -f "$file" ] || continue
  echo "text:$file=$(b64 < "$file")"
  head -n 1 "$file" | grep -q '^# Written by berth' && continue
  echo "docker_opts:$file=$( (DOCKER_OPTS=; eval "$(sed '/^# >>> berth/,/^# <<< berth/d' "$file")" >/dev/null 2>&1; printf '%s' "$DOCKER_OPTS") | b64)"
done
[ -f {{marker}} ] && echo "marker=$(b64 < {{marker}})"
if command -v dockerd >/dev/null 2>&1; then
  echo "dockerd_version=$(dockerd --version 2>/dev/null | head -n 1)"
  echo "dockerd_options=$(dockerd --help 2>/dev/null | grep -E '^ +(-[A-Za-z], )?--[a-z]' | b64)"
fi
echo '--- os-release ---'
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
