journalctl -u docker --no-pager -n 30 2>/dev/null || systemctl status docker --no-pager -n 30
