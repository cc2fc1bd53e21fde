# (Re)start the engine once; start it at boot.
rc-update add docker default >/dev/null 2>&1 || true
# Stopping its running containers is what makes an engine restart slow: said first, berth shows it under the step.
running=$(timeout 5 docker ps -q 2>/dev/null | wc -l)
case $running in 0) ;; 1) echo "waiting for 1 running container to stop" ;; *) echo "waiting for $running running containers to stop" ;; esac
rc-service docker restart
