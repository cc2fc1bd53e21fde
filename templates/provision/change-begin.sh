# Before berth changes files on the host: keep the first original of each file (once, never replaced later), and
# this run's own copy of each (for undoing this run), and note the engine and hostname as they are now.
set -e
run={{run}}
originals={{originals}}
umask 077
# A run that was cut off leaves its directory; after a day it is of no use.
find "$(dirname "$run")" -mindepth 1 -maxdepth 1 -mtime +1 -exec rm -rf {} + 2>/dev/null || true
# Originals made by this run go with it if it is undone: the host then ends with nothing of berth's.
fresh=no
[ -d "$originals" ] || fresh=yes
mkdir -p "$run/previous" "$originals"
echo "$fresh" > "$run/fresh"
keep() {
  [ -e "$1$2" ] || [ -e "$1$2.absent" ] && return 0
  mkdir -p "$1$(dirname "$2")"
  # A file an earlier berth wrote whole, before originals were kept, had no original worth restoring.
  if [ -f "$2" ] && ! { [ "$1" = "$originals" ] && head -n 1 "$2" | grep -q '^# Written by berth'; }; then
    cp -p "$2" "$1$2"
  else
    : > "$1$2.absent"
  fi
}
for path in {{paths}}; do
  keep "$originals" "$path"
  keep "$run/previous" "$path"
  dir=$(dirname "$path")
  [ -d "$dir" ] || echo "$dir" >> "$run/missing-dirs"
done
cat /proc/sys/kernel/hostname > "$run/hostname"
pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1)
if [ -n "$pid" ]; then tr '\0' ' ' < "/proc/$pid/cmdline" > "$run/engine-cmdline"; echo "$pid" > "$run/engine-pid"; fi
