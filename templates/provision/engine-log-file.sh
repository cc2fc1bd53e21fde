tail -n 30 /var/log/docker.log 2>/dev/null || echo "no /var/log/docker.log on the host"
