# (Re)start the engine once; start it at boot.
rc-update add docker default >/dev/null 2>&1 || true
rc-service docker restart
