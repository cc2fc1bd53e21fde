# A provisioning run that succeeded: berth's marker (on stdin) says which machine of which store manages the engine
# now, and the run's copies go.
set -e
umask 077
mkdir -p "$(dirname {{marker}})"
cat > {{marker}}.new
mv -f {{marker}}.new {{marker}}
rm -rf {{run}}
