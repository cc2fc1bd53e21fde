# What berth kept of the host before it first changed it (each original file, or a note that it did not exist), and
# the files as they are now. Output: key:PATH=base64 lines.
b64() { base64 | tr -d '\n'; }
originals={{originals}}
if [ -d "$originals" ]; then
  cd "$originals" && find . -type f | while IFS= read -r kept; do
    path=${kept#.}
    case "$path" in
      *.absent) echo "absent:${path%.absent}=" ;;
      *) echo "original:$path=$(b64 < "$kept")" ;;
    esac
  done
fi
for path in {{paths}}; do
  [ -f "$path" ] && echo "current:$path=$(b64 < "$path")"
done
exit 0
