# Undo a provisioning run: every file back as it was before the run, then the engine as it was (running with that
# configuration, or stopped), checked. Prints what is true afterwards, one key=value a line.
run={{run}}
init={{init}}
[ -d "$run/previous" ] || { echo "undo=nothing-saved"; exit 0; }
cd "$run/previous"
find . -type f | while IFS= read -r saved; do
  path=${saved#.}
  case "$path" in
    *.absent) target=${path%.absent}; [ -e "$target" ] && rm -f "$target" && echo "removed=$target" ;;
    *) cp -p "$saved" "$path.berth-undo" && mv -f "$path.berth-undo" "$path" && echo "restored=$path" ;;
  esac
done
[ -f "$run/missing-dirs" ] && sort -r -u "$run/missing-dirs" | while IFS= read -r dir; do rmdir "$dir" 2>/dev/null || true; done
[ -f "$run/hostname" ] && hostname "$(cat "$run/hostname")" 2>/dev/null
# A user the run added to the docker group (docker-group-add.sh) leaves it again; one that was in it already stays.
[ -f "$run/docker-group-added" ] && while IFS= read -r user; do
  if command -v gpasswd >/dev/null 2>&1; then gpasswd -d "$user" docker; else delgroup "$user" docker; fi >/dev/null 2>&1
done < "$run/docker-group-added"
was_running=no
[ -f "$run/engine-cmdline" ] && was_running=yes
# systemd reads its unit files again, whatever else happens.
[ "$init" = systemd ] && systemctl daemon-reload
# An engine the run did not restart still runs as it did (its configuration is read at start): it is left alone.
if [ {{restart}} = yes ]; then
case "$init" in
  systemd)
    if [ "$was_running" = yes ]; then systemctl reset-failed docker.service 2>/dev/null; systemctl restart docker.service; else systemctl stop docker.service; fi ;;
  openrc)
    if [ "$was_running" = yes ]; then rc-service docker restart; else rc-service docker stop; fi ;;
  *)
    service docker stop >/dev/null 2>&1
    # The init script stops waiting after ten seconds; a start before dockerd is gone would start nothing.
    tries=0
    while pidof dockerd >/dev/null 2>&1 && [ "$tries" -lt 240 ]; do sleep 0.25; tries=$((tries + 1)); done
    pidof dockerd >/dev/null 2>&1 || rm -f /var/run/docker.sock
    if [ "$was_running" = yes ]; then service docker start; fi ;;
esac >/dev/null 2>&1
fi
# The engine that ran before answers on its socket again, started the same way; one that did not run stays stopped.
version() {
  docker -H unix:///var/run/docker.sock version --format '{{.Server.Version}}' 2>/dev/null ||
    curl -fsS --unix-socket /var/run/docker.sock http://localhost/version 2>/dev/null | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | grep .
}
tries=0
while :; do
  pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1)
  if [ "$was_running" = no ]; then [ -z "$pid" ] && break
  elif [ -n "$pid" ] && version >/dev/null; then break
  fi
  tries=$((tries + 1))
  [ "$tries" -ge 120 ] && break
  sleep 0.25
done
echo "was_running=$was_running"
echo "restarted={{restart}}"
if [ -n "$pid" ]; then
  echo "engine_pid=$pid"
  if [ "$was_running" = yes ] && [ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "$(cat "$run/engine-cmdline")" ]; then echo "same_args=yes"; else echo "same_args=no"; fi
  [ "$pid" = "$(cat "$run/engine-pid" 2>/dev/null)" ] && echo "same_pid=yes"
  echo "answers=$(version)"
fi
if [ "$(cat "$run/fresh" 2>/dev/null)" = yes ]; then rm -rf {{stateDir}}; else rm -rf "$run"; fi
