# Remove what berth configured for the engine: its configuration file (only if berth wrote it) and the TLS files.
# The caller restarts the engine afterwards, which then runs as its package configures it: unix socket, no TCP.
config={{configFile}}
if [ -f "$config" ] && grep -q '^# Written by berth' "$config"; then
  rm -f "$config"
  echo "removed $config"
fi
# A systemd drop-in directory goes too when berth's file was all it held.
case "$config" in
  *.service.d/*) rmdir "$(dirname "$config")" 2>/dev/null || true ;;
esac
for file in {{tlsFiles}}; do
  if [ -e "$file" ]; then
    rm -f "$file"
    echo "removed $file"
  fi
done
