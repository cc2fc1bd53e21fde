# Name the host after the machine, now and across reboots, and let it resolve its own name.
name={{name}}
hostname "$name"
printf '%s\n' "$name" > /etc/hostname
if grep -q '^127\.0\.1\.1[[:space:]]' /etc/hosts; then
  sed -i "s/^127\.0\.1\.1[[:space:]].*/127.0.1.1 $name/" /etc/hosts
else
  printf '127.0.1.1 %s\n' "$name" >> /etc/hosts
fi
