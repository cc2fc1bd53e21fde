# Debian's init script fails on `restart` when the engine never ran (it reads a missing pidfile): stop, then start.
service docker stop >/dev/null 2>&1 || true
service docker start
