#!/bin/sh
# The `smallbms` command of the release package: runs the bundled CLI that sits next to it,
# with the same heap caps as the service (see service/run).
# Usage on the GX: /data/apps/enabled/dbus-smallbms/smallbms status
self=$(readlink -f "$0" 2>/dev/null) || self=$0
dir=$(dirname "$self")
exec node --max-old-space-size=48 --max-semi-space-size=2 "$dir/smallbms.js" "$@"
