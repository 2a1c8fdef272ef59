#!/bin/sh
# The `smallbms` command of the release package: runs the bundled CLI that sits next to it,
# with the Node.js install.sh chose for the service (<app>/node-runtime; see service/run) and
# the same heap caps.
# Usage on the GX: /data/apps/enabled/dbus-smallbms/smallbms status
self=$(readlink -f "$0" 2>/dev/null) || self=$0
dir=$(dirname "$self")
node=""
if [ -r "$dir/node-runtime" ]; then read -r node <"$dir/node-runtime"; fi
if [ -z "$node" ] || [ ! -x "$node" ]; then
	if [ -x "$dir/runtime/bin/node" ]; then node=$dir/runtime/bin/node; else node=node; fi
fi
exec "$node" --max-old-space-size=48 --max-semi-space-size=2 "$dir/smallbms.js" "$@"
