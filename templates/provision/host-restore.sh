# Put the host's files back as berth found them: originals copied back (with their modes), files berth added
# removed, then the hostname as /etc/hostname says and berth's state on the host gone. The caller wrote the files
# that needed only berth's part taken out.
originals={{originals}}
for path in {{restore}}; do
  cp -p "$originals$path" "$path.berth-restore" && mv -f "$path.berth-restore" "$path" && echo "restored=$path"
done
for path in {{remove}}; do
  if [ -e "$path" ]; then rm -f "$path" && echo "removed=$path"; fi
done
# A systemd drop-in directory goes too when berth's file was all it held.
rmdir /etc/systemd/system/docker.service.d 2>/dev/null || true
{{setHostname}}
# The users berth added to the docker group leave it.
for user in {{dockerGroupUsers}}; do
  if command -v gpasswd >/dev/null 2>&1; then gpasswd -d "$user" docker; else delgroup "$user" docker; fi >/dev/null 2>&1 && echo "left_docker_group=$user"
done
rm -rf {{stateDir}}
