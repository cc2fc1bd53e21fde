# Stopping its running containers is what makes an engine restart slow: said first, berth shows it under the step.
running=$(timeout 5 docker ps -q 2>/dev/null | wc -l)
case $running in 0) ;; 1) echo "waiting for 1 running container to stop" ;; *) echo "waiting for $running running containers to stop" ;; esac
# Debian's init script fails on `restart` when the engine never ran (it reads a missing pidfile): stop, then start.
service docker stop >/dev/null 2>&1 || true
# The init script stops waiting after ten seconds while dockerd may still be shutting down (its containers, a slow
# host): a start then finds it running and starts nothing, and the engine is gone a moment later.
tries=0
while pidof dockerd >/dev/null 2>&1 && [ "$tries" -lt 240 ]; do
  sleep 0.25
  tries=$((tries + 1))
done
if pidof dockerd >/dev/null 2>&1; then
  echo "dockerd did not stop within a minute of being asked to" >&2
  exit 1
fi
# A socket left by a dockerd that was killed would pass for the new one's below (dockerd replaces it when it starts).
rm -f /var/run/docker.sock
service docker start
# The init script returns once dockerd is launched in the background: a dockerd that exits at once (a bad option)
# is reported now, with its log, instead of after a minute of waiting for its TLS port. A slow one is left to that
# wait. The script's own pidfile names the process it started, also in the moment before it became dockerd.
tries=0
while [ ! -S /var/run/docker.sock ] && [ "$tries" -lt 40 ]; do
  sleep 0.25
  tries=$((tries + 1))
  if ! pidof dockerd >/dev/null 2>&1 && ! kill -0 "$(cat /var/run/docker-ssd.pid 2>/dev/null)" 2>/dev/null; then
    echo "dockerd exited right after it was started" >&2
    exit 1
  fi
done
