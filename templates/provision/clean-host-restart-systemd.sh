# Restart the engine with its packaged unit, which takes its socket from docker.socket. While berth's drop-in ran
# dockerd with its own -H unix://, dockerd removed that socket file whenever it stopped, leaving docker.socket
# listening on a name that no longer exists: the socket unit restarts too, so the file is there again.
systemctl daemon-reload
# Stopping its running containers is what makes an engine restart slow: said first, berth shows it under the step.
running=$(timeout 5 docker ps -q 2>/dev/null | wc -l)
case $running in 0) ;; 1) echo "waiting for 1 running container to stop" ;; *) echo "waiting for $running running containers to stop" ;; esac
systemctl stop docker.service
if systemctl cat docker.socket >/dev/null 2>&1; then systemctl restart docker.socket; fi
systemctl start docker.service
