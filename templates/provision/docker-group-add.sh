# Add the SSH user to the engine's group, and note it in the run's directory, so that undoing the run (change-undo.sh)
# takes it out again.
set -e
user={{user}}
if command -v usermod >/dev/null 2>&1; then usermod -aG docker "$user"; else addgroup "$user" docker; fi
echo "$user" >> {{run}}/docker-group-added
