#!/bin/sh
# dbus-smallbms installer for Venus OS (Cerbo GX, Ekrano GX). POSIX sh, runs under BusyBox ash.
#
#   ./install.sh [--dry-run] [--set-relays] [--yes] [--gui-v1]   install, or update in place
#                                                     (or roll back: run an older release's)
#   ./install.sh --status                             what is installed, running, wrong
#   ./install.sh --uninstall [--purge] [--dry-run]    remove (purge: also config and history)
#
# Run it as root from the unpacked release directory. Everything it writes is under /data
# (which survives firmware updates) and /service (a RAM copy rebuilt at every boot; a block in
# /data/rc.local re-creates our link there). The root filesystem is not touched, except on
# request: --gui-v1 adds our page to the classic GUI in /opt/victronenergy/gui/qml (it has no
# plugin API), which Venus reports as a modified rootfs and a firmware update removes.
#
# Node.js: the GX's own (Venus OS Large) when its major is one we test (TESTED_NODE), else the
# runtime of the release's second artifact (dbus-smallbms-runtime-*.tar.gz, unpacked on top
# of the release: ./runtime/bin/node), else a refusal. The choice goes into <app>/node-runtime
# (line 1: the node binary, line 2: why), which service/run and the smallbms launcher read.
#
# Tests: SMALLBMS_ROOT=/some/dir makes every path relative to a fake GX root, and the tools
# (svc, svstat, dbus, node, df, sha256sum) are taken from PATH, so stand-ins can replace them.
# SMALLBMS_SV_WAIT (seconds, default 12) bounds the wait for svscan to pick up the service.

set -u

APP=dbus-smallbms
ROOT=${SMALLBMS_ROOT:-}
MIN_VENUS=3.10
GUI_VENUS=3.70
MIN_NODE=18
TESTED_NODE="18 20 24"
# Venus OS v3.70 (venus-platform 1.97) replaced the AllModificationsEnabled setting
MODCHECK_VENUS=3.70
NEED_KB=10240
SV_WAIT=${SMALLBMS_SV_WAIT:-12}

DATA=$ROOT/data
AVAIL_DIR=$DATA/apps/available
ENABLED_DIR=$DATA/apps/enabled
APP_DIR=$AVAIL_DIR/$APP
ENABLED_LINK=$ENABLED_DIR/$APP
SERVICE_LINK=$ROOT/service/$APP
CONFIG=$DATA/conf/smallbms.json
NODE_FILE=$APP_DIR/node-runtime
RUNTIME_REL=runtime/bin/node
HISTORY_DIR=$DATA/dbus-smallbms
STATE=$HISTORY_DIR/install-state
LOG_DIR=$DATA/log/$APP
RC_LOCAL=$DATA/rc.local
RC_DISABLED=$DATA/rc.local.disabled
PLATFORM=com.victronenergy.platform
VERSION_FILE=$ROOT/opt/victronenergy/version
EXAMPLE_NAME=smallbms.cerbo-gx.example.json
MARK_BEGIN="# >>> $APP: added by its install.sh, removed by install.sh --uninstall >>>"
MARK_END="# <<< $APP <<<"
SETTINGS=com.victronenergy.settings
# classic GUI (gui v1): our page, and the one stock file we patch to reach it
GUI_QML=$ROOT/opt/victronenergy/gui/qml
GUI_PAGE=PageSmallBms.qml
GUI_MENU=$GUI_QML/PageSettings.qml
GUI_BACKUP_DIR=$APP_DIR/gui-v1-backup
GUI_BACKUP=$GUI_BACKUP_DIR/PageSettings.qml.smallbms-orig
GUI_MARK_BEGIN="// >>> $APP: added by its install.sh --gui-v1, removed by install.sh --uninstall >>>"
GUI_MARK_END="// <<< $APP <<<"

SRC=$(cd -P "$(dirname "$0")" && pwd) || exit 1
STAGE=""

# An interrupted run leaves no half-copied directory behind (the next run also cleans up).
# shellcheck disable=SC2317 # called by the trap
on_signal() {
	[ -n "$STAGE" ] && [ -d "$STAGE" ] && rm -rf "$STAGE"
	[ "$ROOTFS_REMOUNTED" = 1 ] && [ "$DRY_RUN" = 0 ] && mount -o remount,ro / 2>/dev/null
	printf '\ninterrupted\n' >&2
	exit 130
}
trap on_signal INT TERM HUP

MODE=install
DRY_RUN=0
PURGE=0
SET_RELAYS=0
YES=0
GUI_V1=0
ROOTFS_REMOUNTED=0
PROBLEMS=0

# ---------------------------------------------------------------------------------------------
# output and actions

say() { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
# tell DONE WOULD: DONE, or under --dry-run WOULD (a dry run says what would happen)
tell() { if [ "$DRY_RUN" = 1 ]; then say "$2"; else say "$1"; fi; }
die() {
	printf 'ERROR: %s\n' "$*" >&2
	exit 1
}
problem() {
	PROBLEMS=$((PROBLEMS + 1))
	printf '  problem: %s\n' "$*"
}

# act CMD ARGS...: print the action; run it unless --dry-run.
act() {
	if [ "$DRY_RUN" = 1 ]; then
		printf '  [dry-run] %s\n' "$*"
		return 0
	fi
	printf '  + %s\n' "$*"
	"$@"
}

# write_file FILE: print the action; write stdin to FILE unless --dry-run.
write_file() {
	if [ "$DRY_RUN" = 1 ]; then
		printf '  [dry-run] write %s\n' "$1"
		cat >/dev/null
		return 0
	fi
	printf '  + write %s\n' "$1"
	cat >"$1"
}

usage() {
	cat <<EOF
usage: ./install.sh [--dry-run] [--set-relays] [--yes] [--gui-v1]   install or update $APP
       ./install.sh --status                            show what is installed and any problem
       ./install.sh --uninstall [--purge] [--dry-run]   remove $APP
options:
  --dry-run     print every action, change nothing
  --set-relays  set the GX relays the config uses to "manual", the digital inputs it reads
                through sysfs to "disabled", and disabled inputs it reads from Venus to
                "generic I/O" (the previous values are restored on uninstall)
  --yes         do not ask (non-interactive)
  --gui-v1      also add our page to the classic GUI (older firmware without gui-v2 plugins):
                copies it into /opt/victronenergy/gui/qml and adds Settings > smallBMS NG.
                This MODIFIES THE ROOT FILESYSTEM, and a firmware update removes it: run
                install.sh --gui-v1 again after each update. --uninstall removes it.
  --purge       with --uninstall: also remove /data/conf/smallbms.json, the event history,
                the logs and the $APP settings in localsettings
EOF
}

# ---------------------------------------------------------------------------------------------
# small helpers

# version_num "v3.70~44" -> 370 (betas count as their release; ~N is ignored)
version_num() {
	v=${1#v}
	v=${v%%~*}
	major=${v%%.*}
	rest=${v#"$major"}
	rest=${rest#.}
	minor=$(printf '%s' "$rest" | sed 's/[^0-9].*$//; s/^0*//')
	major=$(printf '%s' "$major" | sed 's/^0*//')
	case $major in *[!0-9]*) echo 0 && return ;; esac
	echo $((${major:-0} * 100 + ${minor:-0}))
}

venus_version() { sed -n '1{s/\r$//;p;}' "$VERSION_FILE" 2>/dev/null; }

# node_major BINARY -> its major version; fails when it does not run
node_major() {
	v=$("$1" --version 2>/dev/null) || return 1
	v=${v#v}
	v=${v%%.*}
	case $v in '' | *[!0-9]*) return 1 ;; esac
	echo "$v"
}

# dbus_get PATH -> value on stdout (quotes of string values stripped); fails when unknown
dbus_get() {
	dbus_get_from "$SETTINGS" "$1"
}

# dbus_get_from SERVICE PATH -> value on stdout; fails when unknown
dbus_get_from() {
	command -v dbus >/dev/null 2>&1 || return 1
	out=$(dbus -y "$1" "$2" GetValue </dev/null 2>/dev/null) || return 1
	[ -n "$out" ] || return 1
	printf '%s\n' "$out" | sed "s/^'\(.*\)'\$/\1/"
}

# have_dbus: the dbus command (Venus OS's dbus-cli) is on PATH. Without it nothing is read from
# or written to localsettings; no_dbus CONSEQUENCE says so, naming the missing tool only once.
DBUS_MISSING_SAID=0
have_dbus() { command -v dbus >/dev/null 2>&1; }
no_dbus() {
	if [ "$DBUS_MISSING_SAID" = 0 ]; then
		DBUS_MISSING_SAID=1
		warn "the dbus command is not on PATH (Venus OS always has it; a fake root may not): $1"
	else
		warn "no dbus command: $1"
	fi
}

# resources_words "KIND N" lines -> "relay 1, digital input 3" (what the config uses, in words)
resources_words() {
	printf '%s\n' "$1" | sed 's/^dinput /digital input /; s/^input /digital input /' |
		awk 'NF { printf "%s%s", sep, $0; sep = ", " }'
}

dbus_set() {
	if [ "$DRY_RUN" = 1 ]; then
		printf '  [dry-run] dbus -y %s %s SetValue %s\n' "$SETTINGS" "$1" "$2"
		return 0
	fi
	printf '  + dbus -y %s %s SetValue %s\n' "$SETTINGS" "$1" "$2"
	dbus -y "$SETTINGS" "$1" SetValue "$2" </dev/null >/dev/null
}

relay_setting() {
	if [ "$1" = 1 ]; then echo /Settings/Relay/Function; else echo "/Settings/Relay/$(($1 - 1))/Function"; fi
}
input_setting() { echo "/Settings/DigitalInput/$1/Type"; }

# dbus-digitalinputs publishes com.victronenergy.digitalinput.input_N for types 2 to 10, but
# only 10 (generic I/O) is a plain input; 2 to 9 make it a door, bilge, alarm or generator input.
input_type_name() {
	case $1 in
	2) echo door ;;
	3) echo "bilge pump" ;;
	4) echo "bilge alarm" ;;
	5) echo "burglar alarm" ;;
	6) echo "smoke alarm" ;;
	7) echo "fire alarm" ;;
	8) echo "CO2 alarm" ;;
	9) echo generator ;;
	*) return 1 ;;
	esac
}

# alarm_type_note N TYPE: the warning for a "digitalinput" line's input N set to TYPE 2 to 9
alarm_type_note() {
	name=$(input_type_name "$2") || return 1
	note="digital input $1 type is $2 ($name), not generic I/O (10): $APP reads it, but Venus treats it as a $name input (shown as one, with its own alarm when that input's alarm is enabled)"
	[ "$2" = 9 ] && note="$note and tells the Multi and the generator start/stop that a generator runs or stops with it"
	printf '%s; set it to generic I/O: dbus -y %s %s SetValue 10\n' "$note" "$SETTINGS" "$(input_setting "$1")"
}

# What a config uses of the GX, one "KIND N" line each: "relay N" (a GX relay), "input N" (a
# digital input read through sysfs), "dinput N" (a digital input read from dbus-digitalinputs).
config_resources() {
	[ -f "$1" ] || return 0
	[ -n "${NODE:-}" ] || return 0
	"$NODE" -e '
const fs = require("fs");
let c;
try { c = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { process.exit(0); }
const out = new Set();
for (const list of Object.values((c && c.outputs) || {}))
  for (const t of Array.isArray(list) ? list : [])
    if (t && t.type === "relay" && Number.isInteger(t.relay)) out.add("relay " + t.relay);
for (const l of Object.values((c && c.lines) || {})) {
  const s = l && l.source;
  if (s && s.type === "gpio" && Number.isInteger(s.input)) out.add("input " + s.input);
  if (s && s.type === "digitalinput" && Number.isInteger(s.input)) out.add("dinput " + s.input);
}
for (const r of [...out].sort()) console.log(r);
' "$1" 2>/dev/null
}

# check_config CHECKER FILE: run the bundle's check-config; output in $CHECK_OUT
check_config() {
	CHECK_OUT=$("$NODE" "$1" check-config "$2" 2>&1)
}

installed_version() { sed -n '1p' "$APP_DIR/VERSION" 2>/dev/null; }

# state_get KEY -> values of "KEY value..." lines in the install-state file
state_lines() { [ -f "$STATE" ] && grep "^$1 " "$STATE"; }

# supervise_running DIR: daemontools supervise is running for DIR
supervise_running() {
	command -v svstat >/dev/null 2>&1 || return 1
	s=$(svstat "$1" 2>&1) || return 1
	case $s in *"supervise not running"* | *unable* | *"not running"*) return 1 ;; esac
	return 0
}

is_tty() { [ -t 0 ] && [ -t 1 ]; }

confirm() {
	[ "$YES" = 1 ] && return 0
	is_tty || return 1
	printf '%s [y/N] ' "$1"
	read -r answer || return 1
	case $answer in y | Y | yes | YES) return 0 ;; esac
	return 1
}

# Up to Venus OS v3.6x: the setting "all modifications enabled" = 0 makes Venus rename the hooks
# at boot. v3.70 removed it (venus-platform 1.97); there the switch is an action (below).
hooks_disabled_setting() {
	[ "${VENUS_NUM:-0}" -lt "$(version_num "$MODCHECK_VENUS")" ] || return 1
	v=$(dbus_get /Settings/System/ModificationChecks/AllModificationsEnabled) || return 1
	[ "$v" = 0 ]
}

# Custom start-up scripts disabled: /data/rc.local renamed to /data/rc.local.disabled. From
# v3.70 this is venus-platform's Settings > General > Modification checks > "Disable custom
# startup scripts" (com.victronenergy.platform /ModificationChecks/Action = 3).
hooks_renamed() { [ -f "$RC_DISABLED" ] && [ ! -f "$RC_LOCAL" ]; }

# How to turn the custom start-up scripts back on, for this firmware.
hooks_enable_howto() {
	if [ "${VENUS_NUM:-0}" -ge "$(version_num "$MODCHECK_VENUS")" ]; then
		printf '%s' "re-enable them on the GX or in the Remote Console: Settings > General > Modification checks > Re-enable custom startup scripts (it reboots the GX), or over SSH: dbus -y $PLATFORM /ModificationChecks/Action SetValue 2 (renames /data/rc.local.disabled back to /data/rc.local), then run $APP_DIR/install.sh --status"
	else
		printf '%s' "rename it back (mv /data/rc.local.disabled /data/rc.local) and enable all modifications in Settings > General > Modification checks, then run install.sh again"
	fi
}

has_boot_block() { [ -f "$RC_LOCAL" ] && grep -qF "$MARK_BEGIN" "$RC_LOCAL"; }
has_block_in() { [ -f "$1" ] && grep -qF "$MARK_BEGIN" "$1"; }

# ---------------------------------------------------------------------------------------------
# preflight

preflight_venus() {
	[ -f "$VERSION_FILE" ] ||
		die "this is not a Venus OS device ($VERSION_FILE is missing). Run install.sh on the GX itself: scp the tarball to root@venus.local, ssh in, unpack and run it there."
	VENUS=$(venus_version)
	say "Venus OS firmware: ${VENUS:-unknown}"
	VENUS_NUM=$(version_num "$VENUS")
	if [ "$VENUS_NUM" -lt "$(version_num "$MIN_VENUS")" ]; then
		die "Venus OS $VENUS is too old: $APP needs v$MIN_VENUS or later (Node.js 18). Update the firmware: Settings > General > Firmware."
	fi
	if [ "$VENUS_NUM" -lt "$(version_num "$GUI_VENUS")" ]; then
		say "Note: the gui-v2 plugin (device page on the GX screen) needs Venus OS v$GUI_VENUS or later; on $VENUS the service runs and the stock battery page shows it, without the plugin."
	fi
}

preflight_root() {
	[ -n "$ROOT" ] && return 0
	[ "$(id -u)" = 0 ] || die "run install.sh as root (ssh root@venus.local)."
}

is_tested_major() {
	case " $TESTED_NODE " in *" $1 "*) return 0 ;; esac
	return 1
}

# The runtime of the release's second artifact: in the unpacked release (SRC), else the
# one installed before (an update with the small tarball only keeps it). Sets BUNDLED (the
# binary to run now) when one runs here.
# A runtime that is there but does not start (e.g. a library missing on this image:
# libatomic.so.1) leaves its first error line in RUNTIME_ERR.
find_bundled() {
	BUNDLED=""
	RUNTIME_ERR=""
	for b in "$SRC/$RUNTIME_REL" "$APP_DIR/$RUNTIME_REL"; do
		[ -x "$b" ] || continue
		if node_major "$b" >/dev/null; then
			BUNDLED=$b
			return 0
		fi
		[ -n "$RUNTIME_ERR" ] || RUNTIME_ERR="$b: $("$b" --version 2>&1 | head -n 1)"
	done
	return 1
}

# Choose the Node.js that runs the service. Sets NODE (to run now), NODE_FINAL (the path
# once installed) and NODE_WHY; dies with what to do when there is none we can use.
preflight_node() {
	SYS_NODE=$(command -v node 2>/dev/null) || SYS_NODE=""
	SYS_MAJOR=""
	SYS_VERSION=""
	if [ -n "$SYS_NODE" ]; then
		SYS_MAJOR=$(node_major "$SYS_NODE") || SYS_MAJOR=""
		SYS_VERSION=$("$SYS_NODE" --version 2>/dev/null)
	fi
	if [ -n "$SYS_MAJOR" ] && is_tested_major "$SYS_MAJOR"; then
		NODE=$SYS_NODE
		NODE_FINAL=$SYS_NODE
		NODE_WHY="the GX's own Node.js $SYS_VERSION (major $SYS_MAJOR is tested)"
	elif find_bundled; then
		NODE=$BUNDLED
		NODE_FINAL=$APP_DIR/$RUNTIME_REL
		bv=$("$BUNDLED" --version 2>/dev/null)
		if [ -z "$SYS_NODE" ]; then
			NODE_WHY="the bundled runtime $bv (this GX has no Node.js: the normal image)"
		else
			NODE_WHY="the bundled runtime $bv (the GX's Node.js ${SYS_VERSION:-?} is not a tested major: $TESTED_NODE)"
		fi
	elif [ -n "$RUNTIME_ERR" ]; then
		die "the bundled runtime does not start on this GX ($RUNTIME_ERR). Nothing was changed. Please report it with the output of: uname -a; cat /opt/victronenergy/version; ls /usr/lib/libatomic* /lib/libatomic*"
	elif [ -z "$SYS_NODE" ]; then
		die "Node.js is not installed (Venus OS ships it only in the *Large* image). Unpack the runtime artifact of this release on top of it, then run install.sh again: cd .. && tar xzf $APP-runtime-node*-armv7l.tar.gz && cd $APP && ./install.sh (it adds ./runtime/bin/node, about 30 MB download, 86 MB on /data). Or switch to Large: Settings > General > Firmware > Online updates > Image type: Large."
	elif [ -z "$SYS_MAJOR" ]; then
		die "could not read the Node.js version ($SYS_NODE --version failed). Unpack the runtime artifact of this release ($APP-runtime-node*-armv7l.tar.gz) on top of it and run install.sh again."
	elif [ "$SYS_MAJOR" -lt "$MIN_NODE" ]; then
		die "Node.js $SYS_VERSION is too old: $APP needs Node.js $MIN_NODE or later. Unpack the runtime artifact of this release ($APP-runtime-node*-armv7l.tar.gz) on top of it and run install.sh again, or update the firmware (Settings > General > Firmware; Venus OS Large v$MIN_VENUS and later ship Node.js 18 or later)."
	else
		die "Node.js $SYS_VERSION is not a version $APP is tested on (majors $TESTED_NODE). Unpack the runtime artifact of this release ($APP-runtime-node*-armv7l.tar.gz) on top of it and run install.sh again."
	fi
	say "Node.js: $NODE_WHY"
}

# What the service and the smallbms command run: line 1 the node binary, line 2 why.
node_file() {
	printf '%s\n%s\n' "$NODE_FINAL" "$NODE_WHY"
}

# The node recorded for the installed copy (old installs: the one on PATH)
installed_node() {
	n=$(sed -n '1p' "$NODE_FILE" 2>/dev/null)
	if [ -n "$n" ] && [ -x "$n" ]; then
		echo "$n"
	elif [ -x "$APP_DIR/$RUNTIME_REL" ]; then
		echo "$APP_DIR/$RUNTIME_REL"
	else
		command -v node 2>/dev/null
	fi
}

preflight_space() {
	[ -d "$DATA" ] || die "$DATA does not exist: this does not look like a GX data partition."
	avail=$(df -Pk "$DATA" 2>/dev/null | awk 'NR == 2 { print $4 }')
	case $avail in '' | *[!0-9]*)
		warn "could not read the free space on $DATA; continuing"
		return 0
		;;
	esac
	need=$NEED_KB
	# the bundled runtime is copied in (the one already installed is moved, not copied)
	if [ -d "$SRC/runtime" ]; then
		rt=$(du -sk "$SRC/runtime" 2>/dev/null | awk '{ print $1 }')
		case $rt in '' | *[!0-9]*) rt=0 ;; esac
		need=$((need + rt))
	fi
	if [ "$avail" -lt "$need" ]; then
		die "not enough free space on /data: $((avail / 1024)) MB free, $((need / 1024)) MB needed. Free some space (old logs in /data/log, unused apps), then try again."
	fi
}

# The tarball this directory came from, when it and SHA256SUMS sit beside the unpacked
# directory (as downloaded): check it before installing anything from it.
preflight_checksum() {
	dl=$(dirname "$SRC")
	sums=$dl/SHA256SUMS
	[ -f "$sums" ] || return 0
	if ! command -v sha256sum >/dev/null 2>&1; then
		warn "sha256sum is missing: the release was not checked against $sums"
		return 0
	fi
	checked=0
	for f in "$dl/$APP-$(sed -n '1p' "$SRC/VERSION").tar.gz" "$dl/$APP"-runtime-*.tar.gz; do
		[ -f "$f" ] || continue
		tgz=${f##*/}
		if ! line=$(grep "  $tgz\$" "$sums"); then
			case $tgz in "$APP"-runtime-*) continue ;; esac
			die "$tgz is not listed in $sums: is that file from another release? Nothing was changed."
		fi
		(cd "$dl" && printf '%s\n' "$line" | sha256sum -c >/dev/null 2>&1) ||
			die "$tgz does not match its SHA-256 in $sums: the download is damaged, or it is not the file of this release. Download it again (with the SHA256SUMS of the same release). Nothing was changed."
		say "Checked $tgz against SHA256SUMS: OK"
		checked=1
	done
	[ "$checked" = 1 ] || say "SHA256SUMS found, but no release tarball beside it to check."
}

preflight_package() {
	for f in smallbms.js service/run service/log/run VERSION; do
		[ -f "$SRC/$f" ] || die "$SRC/$f is missing: run install.sh from the unpacked release directory (tar xzf $APP-<version>.tar.gz && cd $APP)."
	done
	[ "$SRC" != "$(cd -P "$APP_DIR" 2>/dev/null && pwd)" ] ||
		die "run install.sh from the unpacked release directory, not from the installed copy in $APP_DIR (only --status and --uninstall work from there)."
}

# ---------------------------------------------------------------------------------------------
# install pieces

# mkdir_recorded DIR: create DIR (and parents) and remember what we created, for uninstall
CREATED_DIRS=""
mkdir_recorded() {
	[ -d "$1" ] && return 0
	case " $CREATED_DIRS " in *" ${1#"$ROOT"} "*) return 0 ;; esac
	mkdir_recorded "$(dirname "$1")"
	act mkdir "$1" || die "cannot create $1"
	CREATED_DIRS="$CREATED_DIRS ${1#"$ROOT"}"
}

# Bring /data/apps/available/dbus-smallbms back if an earlier update was cut off mid-swap.
recover_interrupted() {
	for d in "$AVAIL_DIR/.$APP.new."*; do
		[ -d "$d" ] && act rm -rf "$d"
	done
	for d in "$AVAIL_DIR/.$APP.old."*; do
		[ -d "$d" ] || continue
		if [ -d "$APP_DIR" ]; then
			act rm -rf "$d"
		else
			tell "Restoring the previous version left by an interrupted update." \
				"Would restore the previous version left by an interrupted update."
			act mv "$d" "$APP_DIR"
		fi
	done
}

stage_app() {
	STAGE=$AVAIL_DIR/.$APP.new.$$
	act mkdir "$STAGE" || die "cannot create $STAGE"
	for f in VERSION smallbms.js smallbms install.sh README.md INSTALL.md LICENSE; do
		[ -f "$SRC/$f" ] && { act cp "$SRC/$f" "$STAGE/$f" || die "copy failed: $f"; }
	done
	for d in service conf gui-v2 gui-v1 runtime docs; do
		[ -d "$SRC/$d" ] && { act cp -R "$SRC/$d" "$STAGE/$d" || die "copy failed: $d"; }
	done
	# the stock PageSettings.qml saved by --gui-v1: uninstall restores it from there
	if [ -d "$GUI_BACKUP_DIR" ]; then
		act cp -R "$GUI_BACKUP_DIR" "$STAGE/gui-v1-backup" || die "copy failed: $GUI_BACKUP_DIR"
	fi
	# never carry a stale supervise state or down file from the package directory
	act rm -rf "$STAGE/service/supervise" "$STAGE/service/log/supervise" "$STAGE/service/down"
	act chmod 755 "$STAGE/service/run" "$STAGE/service/log/run" "$STAGE/install.sh"
	if [ -f "$SRC/smallbms" ]; then act chmod 755 "$STAGE/smallbms"; fi
	node_file | write_file "$STAGE/node-runtime" || die "cannot write $STAGE/node-runtime"
}

# Stop the service and make both supervise processes exit, so that svscan starts fresh ones
# for the new directory (svscan tracks services by directory inode).
stop_service() {
	[ -e "$SERVICE_LINK" ] || [ -L "$SERVICE_LINK" ] || return 0
	command -v svc >/dev/null 2>&1 || return 0
	if supervise_running "$SERVICE_LINK"; then
		act svc -d "$SERVICE_LINK"
		# let the old process end before a new one starts (both would want the D-Bus name)
		i=0
		while [ "$DRY_RUN" = 0 ] && [ "$i" -lt "$SV_WAIT" ]; do
			case $(svstat "$SERVICE_LINK" 2>&1) in *": down"* | *"not running"* | *unable*) break ;; esac
			sleep 1
			i=$((i + 1))
		done
		act svc -dx "$SERVICE_LINK" "$SERVICE_LINK/log"
	fi
	return 0
}

swap_app() {
	OLD=""
	if [ -d "$APP_DIR" ]; then
		OLD=$AVAIL_DIR/.$APP.old.$$
		act mv "$APP_DIR" "$OLD" || die "cannot move the old version aside"
	fi
	# the runtime installed before comes along when this release brings none (moved, not copied)
	KEPT_RUNTIME=0
	if [ -n "$OLD" ] && [ -d "$OLD/runtime" ] && [ ! -d "$SRC/runtime" ]; then
		act mv "$OLD/runtime" "$STAGE/runtime" && KEPT_RUNTIME=1
	fi
	act mv "$STAGE" "$APP_DIR" || {
		[ "$KEPT_RUNTIME" = 1 ] && mv "$STAGE/runtime" "$OLD/runtime"
		[ -n "$OLD" ] && mv "$OLD" "$APP_DIR"
		die "cannot move the new version into place; the old version was kept"
	}
	[ -n "$OLD" ] && act rm -rf "$OLD"
	return 0
}

link_app() {
	if [ "$(readlink "$ENABLED_LINK" 2>/dev/null)" != "../available/$APP" ]; then
		act ln -sfn "../available/$APP" "$ENABLED_LINK" || die "cannot create $ENABLED_LINK"
	fi
	if [ ! -d "$ROOT/service" ]; then
		if [ "$DRY_RUN" = 1 ]; then
			warn "$ROOT/service does not exist; the service would be linked at the next boot"
		else
			warn "$ROOT/service does not exist; the service will be linked at the next boot"
		fi
		return 0
	fi
	if [ "$(readlink "$SERVICE_LINK" 2>/dev/null)" != "$ENABLED_LINK/service" ]; then
		act ln -sfn "$ENABLED_LINK/service" "$SERVICE_LINK" || die "cannot create $SERVICE_LINK"
	fi
}

boot_block() {
	cat <<EOF
$MARK_BEGIN
# /service is rebuilt in RAM at every boot: link the service again.
if [ -d "$ENABLED_LINK/service" ] && [ ! -e "$SERVICE_LINK" ]; then
	ln -sfn "$ENABLED_LINK/service" "$SERVICE_LINK"
fi
$MARK_END
EOF
}

install_boot_hook() {
	if hooks_renamed; then
		warn "Venus OS has disabled the custom start-up scripts (/data/rc.local was renamed to /data/rc.local.disabled: Settings > General > Modification checks)."
		if [ "$DRY_RUN" = 1 ]; then
			warn "$APP would run, but would NOT start again after a reboot. To have it start at boot, $(hooks_enable_howto)."
		else
			warn "$APP runs now, but will NOT start again after a reboot. To have it start at boot, $(hooks_enable_howto)."
		fi
		# our block goes into the renamed file: re-enabling the scripts brings it back
		if [ "$(block_of "$RC_DISABLED")" != "$(boot_block)" ]; then
			rewrite_with_block "$RC_DISABLED"
		fi
		return 0
	fi
	if hooks_disabled_setting; then
		w=will
		[ "$DRY_RUN" = 1 ] && w=would
		warn "Settings > General > Modification checks has all modifications disabled (/Settings/System/ModificationChecks/AllModificationsEnabled = 0): Venus OS renames /data/rc.local at boot, so $APP $w not start after a reboot until they are enabled again."
	fi
	if [ ! -f "$RC_LOCAL" ]; then
		{
			echo '#!/bin/sh'
			boot_block
		} | write_file "$RC_LOCAL" || die "cannot write $RC_LOCAL"
		act chmod 755 "$RC_LOCAL"
		RC_CREATED=1
		return 0
	fi
	# our block, once: rewrite it only when missing or different; the user's lines stay
	if [ "$(block_of "$RC_LOCAL")" != "$(boot_block)" ]; then
		rewrite_with_block "$RC_LOCAL"
	fi
	if [ ! -x "$RC_LOCAL" ]; then
		act chmod 755 "$RC_LOCAL"
		RC_CHMODDED=1
	fi
}

# block_of FILE: our block in FILE, as it is there
block_of() { sed -n "/^$(escape_re "$MARK_BEGIN")\$/,/^$(escape_re "$MARK_END")\$/p" "$1"; }

# escape_re TEXT: escape TEXT for a sed basic regular expression
escape_re() { printf '%s' "$1" | sed 's/[][\.*^$/]/\\&/g'; }

strip_block() {
	sed "/^$(escape_re "$MARK_BEGIN")\$/,/^$(escape_re "$MARK_END")\$/d" "$1"
}

# copy_over TMP FILE: TMP's content copied over FILE, so FILE's owner and mode stay, and TMP
# removed; a dry run (whose write_file wrote no TMP) only says so
copy_over() {
	if [ "$DRY_RUN" = 1 ]; then
		printf '  [dry-run] update %s\n' "$2"
		return 0
	fi
	cat "$1" >"$2" || return 1
	rm -f "$1"
	printf '  + update %s\n' "$2"
}

# rewrite_with_block FILE: FILE with our block (again) at its end
rewrite_with_block() {
	tmp=$1.$APP.new
	{
		strip_block "$1"
		boot_block
	} | write_file "$tmp" || die "cannot write $tmp"
	copy_over "$tmp" "$1" || die "cannot update $1"
}

# Relays and inputs. Prints what would change; with consent, changes it and records the old
# values in the install-state file ("setting PATH OLD NEW").
SETTING_CHANGES=""
plan_settings() {
	PLAN=""
	RESOURCES=$(config_resources "$CONFIG")
	[ -n "$RESOURCES" ] || return 0
	if ! have_dbus; then
		no_dbus "the GX settings of what the config uses ($(resources_words "$RESOURCES")) were not checked or changed; check them in Settings > Integrations > Relays and Digital I/O"
		return 0
	fi
	while read -r kind n; do
		case $kind in
		relay)
			p=$(relay_setting "$n")
			want=2
			what="relay $n function: manual (2)"
			;;
		input)
			p=$(input_setting "$n")
			want=0
			what="digital input $n: disabled (0), read by $APP through sysfs"
			;;
		dinput)
			p=$(input_setting "$n")
			want=10
			what="digital input $n: generic I/O (10), so that Venus publishes it for $APP"
			;;
		*) continue ;;
		esac
		if ! cur=$(dbus_get "$p"); then
			warn "cannot read $p from $SETTINGS; skipping $kind $n"
			continue
		fi
		[ "$cur" = "$want" ] && continue
		# types 2 (door) to 9 (generator) publish com.victronenergy.digitalinput.input_N too:
		# keep the installer's choice, but say what Venus does with it
		if [ "$kind" = dinput ] && note=$(alarm_type_note "$n" "$cur"); then
			warn "$note"
			continue
		fi
		PLAN="$PLAN$p $cur $want $what
"
	done <<EOF
$RESOURCES
EOF
}

apply_settings() {
	plan_settings
	[ -n "$PLAN" ] || return 0
	say ""
	say "The config uses GX relays/inputs that other Venus functions still own:"
	printf '%s' "$PLAN" | while read -r p cur want what; do
		say "  $p = $cur -> $want ($what)"
	done
	consent=0
	if [ "$SET_RELAYS" = 1 ]; then
		if [ "$YES" = 1 ] || ! is_tty || confirm "Change these settings now?"; then consent=1; fi
	elif [ "$YES" = 0 ] && [ "$DRY_RUN" = 0 ] && is_tty &&
		confirm "Change these settings now (undone by --uninstall)?"; then
		consent=1 # typed in; --yes alone is no consent to take over relays
	fi
	if [ "$consent" = 0 ]; then
		tell "Not changed. $APP does not drive a relay whose function is not manual, and a digital input" \
			"Would not change them. $APP does not drive a relay whose function is not manual, and a digital input"
		say "watched by Venus is not read reliably. Re-run with --set-relays (--yes when non-interactive),"
		say "or change them in Settings > Integrations > Relays and Settings > Integrations > Digital I/O."
		return 0
	fi
	while read -r p cur want what; do
		[ -n "$p" ] || continue
		if dbus_set "$p" "$want"; then
			tell "Setting $p from $cur to $want ($what)." "Would set $p from $cur to $want ($what)."
			SETTING_CHANGES="${SETTING_CHANGES}setting $p $cur $want
"
		else
			warn "could not set $p"
		fi
	done <<EOF
$PLAN
EOF
}

# Write the install-state file: keep earlier records (the oldest "before" value wins).
write_state() {
	new=""
	for d in $CREATED_DIRS; do new="${new}created_dir $d
"; done
	[ "${RC_CREATED:-0}" = 1 ] && new="${new}created_file /data/rc.local
"
	[ "${RC_CHMODDED:-0}" = 1 ] && new="${new}chmod_rc_local 1
"
	new="$new$SETTING_CHANGES"
	old=""
	[ -f "$STATE" ] && old=$(grep -v '^version ' "$STATE")
	{
		echo "version $(sed -n '1p' "$SRC/VERSION")"
		[ -n "$old" ] && printf '%s\n' "$old"
		printf '%s' "$new" | while read -r kind key rest; do
			[ -n "$kind" ] || continue
			# an earlier record of the same thing wins (it holds the value before any install)
			if [ -n "$old" ] && printf '%s\n' "$old" | grep -qF "$kind $key "; then continue; fi
			if [ -n "$old" ] && printf '%s\n' "$old" | grep -qxF "$kind $key"; then continue; fi
			echo "$kind $key${rest:+ $rest}"
		done
	} | write_file "$STATE" || die "cannot write $STATE"
}

wait_supervise() {
	i=0
	while [ "$i" -lt "$SV_WAIT" ]; do
		supervise_running "$SERVICE_LINK" && return 0
		sleep 1
		i=$((i + 1))
	done
	supervise_running "$SERVICE_LINK"
}

do_install() {
	if [ "$GUI_V1" = 1 ] && [ "$SRC" = "$(cd -P "$APP_DIR" 2>/dev/null && pwd)" ]; then
		do_gui_v1_only
		return 0
	fi
	preflight_root
	preflight_venus
	preflight_package
	preflight_checksum
	preflight_node
	preflight_space
	if [ "$GUI_V1" = 1 ]; then preflight_gui_v1; fi
	NEW_VERSION=$(sed -n '1p' "$SRC/VERSION")
	OLD_VERSION=$(installed_version)
	[ "$DRY_RUN" = 1 ] && say "Dry run: nothing will be changed."
	if [ "$OLD_VERSION" = "$NEW_VERSION" ]; then
		tell "Reinstalling $APP $NEW_VERSION" "Would reinstall $APP $NEW_VERSION"
	elif [ -n "$OLD_VERSION" ]; then
		tell "Updating $APP $OLD_VERSION -> $NEW_VERSION" "Would update $APP $OLD_VERSION -> $NEW_VERSION"
	else
		tell "Installing $APP $NEW_VERSION" "Would install $APP $NEW_VERSION"
	fi

	# 1. config: keep the user's; validate with the new version before touching anything
	START=1
	WROTE_EXAMPLE=0
	if [ -f "$CONFIG" ]; then
		if check_config "$SRC/smallbms.js" "$CONFIG"; then
			say "Config $CONFIG is valid (kept)."
		else
			say "Config $CONFIG has problems:"
			printf '%s\n' "$CHECK_OUT" | sed 's/^/    /'
			if [ -n "$OLD_VERSION" ]; then
				die "update stopped before changing anything: $NEW_VERSION does not accept this config, and the installed $OLD_VERSION keeps running. Fix the config (check it with: node $SRC/smallbms.js check-config $CONFIG), then run install.sh again."
			fi
			START=0
		fi
	fi

	# 2. files: copy to a temporary directory, then swap it in
	mkdir_recorded "$AVAIL_DIR"
	mkdir_recorded "$ENABLED_DIR"
	mkdir_recorded "$DATA/conf"
	mkdir_recorded "$HISTORY_DIR"
	recover_interrupted
	stage_app
	if [ ! -f "$CONFIG" ]; then
		if [ -f "$SRC/conf/$EXAMPLE_NAME" ]; then
			act cp "$SRC/conf/$EXAMPLE_NAME" "$CONFIG" || die "cannot write $CONFIG"
			tell "No config found: wrote the example config to $CONFIG." \
				"No config found: would write the example config to $CONFIG."
			tell "Edit it for your wiring (which inputs, which relays), then run install.sh again to start." \
				"Then edit it for your wiring (which inputs, which relays), and run install.sh again to start."
		else
			say "No config found and the package has no example: write $CONFIG, then run install.sh again."
		fi
		WROTE_EXAMPLE=1
		START=0
	fi
	if [ "$START" = 0 ]; then
		if [ "$DRY_RUN" = 1 ]; then
			printf '  [dry-run] write %s\n' "$STAGE/service/down"
		else
			: >"$STAGE/service/down"
		fi
	fi
	stop_service
	swap_app
	link_app
	install_boot_hook
	if [ "$START" = 1 ]; then apply_settings; fi
	write_state
	if [ "$GUI_V1" = 1 ]; then
		install_gui_v1
	elif [ -f "$GUI_QML/$GUI_PAGE" ] && ! cmp -s "$(gui_page_src)" "$GUI_QML/$GUI_PAGE"; then
		say "Note: the classic GUI page in $GUI_QML is from another version: run install.sh --gui-v1 to update it."
	fi

	# 3. start
	say ""
	if [ "$START" = 1 ]; then
		if [ "$DRY_RUN" = 1 ]; then
			printf '  [dry-run] svc -u %s\n' "$SERVICE_LINK"
			say "$APP $NEW_VERSION would be started."
		elif [ -e "$SERVICE_LINK" ] && command -v svc >/dev/null 2>&1; then
			if wait_supervise; then
				act svc -u "$SERVICE_LINK"
				say "$APP $NEW_VERSION is running. Status: ./install.sh --status (log: /var/log/$APP/current)"
			else
				if [ -n "$ROOT" ]; then
					warn "svscan has not picked up $SERVICE_LINK: $(svscan_howto). Check with: svstat $SERVICE_LINK"
				else
					warn "svscan has not picked up $SERVICE_LINK yet; it starts within a few seconds on its own. Check with: svstat $SERVICE_LINK"
				fi
			fi
		fi
	elif [ "$WROTE_EXAMPLE" = 1 ]; then
		tell "$APP $NEW_VERSION is installed but not started (no config of yours yet)." \
			"$APP $NEW_VERSION would be installed but not started (no config of yours yet)."
	else
		tell "$APP $NEW_VERSION is installed but NOT started: the config is not valid (files kept)." \
			"$APP $NEW_VERSION would be installed but NOT started: the config is not valid (files would be kept)."
		say "Fix $CONFIG, then run install.sh again."
		if [ "$DRY_RUN" = 1 ]; then say "Dry run finished: nothing was changed."; fi
		exit 1
	fi
	if [ "$DRY_RUN" = 1 ]; then say "Dry run finished: nothing was changed."; fi
	return 0
}

# ---------------------------------------------------------------------------------------------
# classic GUI (gui v1, --gui-v1)
#
# The classic GUI has no plugin API: its pages are QML files in /opt/victronenergy/gui/qml, on
# the read-only root filesystem. We copy our page there and add one marker-delimited MbSubMenu
# at the end of the list of the stock Settings page (PageSettings.qml), the way add-ons such as
# kwindrem's SetupHelper add their menu entry. The stock file is saved first in
# $GUI_BACKUP_DIR (on /data); --uninstall puts it back. A firmware update replaces the root
# filesystem, so the page and the entry are gone after it; they are NOT re-applied at boot.

gui_page_src() { echo "$SRC/gui-v1/$GUI_PAGE"; }

gui_patched() { [ -f "$GUI_MENU" ] && grep -qF "$GUI_MARK_BEGIN" "$GUI_MENU"; }

# gui_model_end FILE: the line number of the "}" that closes the page's top-level
# "model: VisibleItemModel {" (VisualItemModel on old firmware); nothing when not found. Braces
# inside strings and comments are skipped. The entry goes in right before that line.
gui_model_end() {
	awk -v sq="'" '
	BEGIN { depth = 0; incomment = 0; watch = 0 }
	{
		line = $0
		code = ""
		i = 1
		n = length(line)
		while (i <= n) {
			c = substr(line, i, 1)
			if (incomment) {
				if (c == "*" && substr(line, i + 1, 1) == "/") { incomment = 0; i += 2 } else i++
				continue
			}
			if (c == "/" && substr(line, i + 1, 1) == "*") { incomment = 1; i += 2; continue }
			if (c == "/" && substr(line, i + 1, 1) == "/") break
			if (c == "\"" || c == sq) {
				i++
				while (i <= n && substr(line, i, 1) != c) {
					if (substr(line, i, 1) == "\\") i++
					i++
				}
				i++
				code = code "S"
				continue
			}
			code = code c
			i++
		}
		if (!watch && depth == 1 && code ~ /^[ \t]*model[ \t]*:[ \t]*Vis(ible|ual)ItemModel[ \t]*[{][ \t]*$/) {
			watch = 1
			depth = 2
			next
		}
		for (j = 1; j <= length(code); j++) {
			c = substr(code, j, 1)
			if (c == "{") depth++
			else if (c == "}") {
				depth--
				if (watch && depth == 1) {
					if (code ~ /^[ \t]*[}][ \t]*$/) print NR
					exit
				}
			}
		}
	}' "$1" 2>/dev/null
}

gui_menu_block() {
	cat <<EOB
$GUI_MARK_BEGIN
		MbSubMenu {
			description: qsTr("smallBMS NG")
			subpage: Component { PageSmallBms {} }
		}
$GUI_MARK_END
EOB
}

strip_gui_block() {
	sed "/^$(escape_re "$GUI_MARK_BEGIN")\$/,/^$(escape_re "$GUI_MARK_END")\$/d" "$1"
}

# The root filesystem of a GX is mounted read-only: make it writable around our changes, and
# read-only again afterwards. Only on a real GX: with SMALLBMS_ROOT (tests) nothing is mounted.
rootfs_is_ro() {
	awk '$2 == "/" { opts = $4 } END { exit !(opts ~ /(^|,)ro(,|$)/) }' /proc/mounts 2>/dev/null
}

rootfs_rw() {
	[ -n "$ROOT" ] && return 0
	[ "$ROOTFS_REMOUNTED" = 1 ] && return 0
	rootfs_is_ro || return 0
	act mount -o remount,rw / || die "cannot remount the root filesystem read-write (mount -o remount,rw /)"
	ROOTFS_REMOUNTED=1
}

rootfs_ro_again() {
	[ "$ROOTFS_REMOUNTED" = 1 ] || return 0
	ROOTFS_REMOUNTED=0
	act sync
	act mount -o remount,ro / || warn "could not remount the root filesystem read-only; it will be read-only again after the next reboot"
}

# gui_fail MESSAGE: undo the remount, then stop
gui_fail() {
	rootfs_ro_again
	die "$1"
}

restart_gui() {
	if [ -e "$ROOT/service/gui" ] && command -v svc >/dev/null 2>&1; then
		act svc -t "$ROOT/service/gui"
	else
		tell "Restart the GUI to see the change: svc -t /service/gui (or reboot)." \
			"The GUI would then need a restart to show the change: svc -t /service/gui (or reboot)."
	fi
}

gui_rootfs_warning() {
	say "NOTE: --gui-v1 modifies the ROOT filesystem (/opt/victronenergy/gui/qml). Venus OS reports"
	say "the root filesystem as modified (Settings > General > Modification checks), and the next"
	say "firmware update removes the page and its menu entry. After each firmware update run"
	say "/data/apps/enabled/$APP/install.sh --gui-v1 again; it is not re-applied automatically."
}

# Everything --gui-v1 needs, checked before anything at all is changed.
preflight_gui_v1() {
	[ -d "$GUI_QML" ] ||
		die "--gui-v1: the classic GUI is not on this GX ($GUI_QML does not exist: this firmware has gui-v2 only). On Venus OS v$GUI_VENUS or later our page comes as a gui-v2 plugin instead: run install.sh without --gui-v1. Nothing was changed."
	[ -f "$(gui_page_src)" ] ||
		die "--gui-v1: $(gui_page_src) is missing from this package. Nothing was changed."
	[ -f "$GUI_MENU" ] ||
		die "--gui-v1: $GUI_MENU does not exist, so there is no Settings page to add the entry to. Nothing was changed."
	gui_patched && return 0
	[ -n "$(gui_model_end "$GUI_MENU")" ] ||
		die "--gui-v1: $GUI_MENU does not have the layout install.sh knows (the list of a 'model: VisibleItemModel { ... }'), so the entry cannot be added safely. Nothing was changed."
}

install_gui_v1() {
	say ""
	say "Classic GUI (--gui-v1): page $GUI_QML/$GUI_PAGE, entry Settings > smallBMS NG"
	src=$(gui_page_src)
	page_ok=0
	cmp -s "$src" "$GUI_QML/$GUI_PAGE" && page_ok=1
	if [ "$page_ok" = 1 ] && gui_patched; then
		say "Already installed and up to date: nothing to change."
		gui_rootfs_warning
		return 0
	fi
	rootfs_rw
	if [ "$page_ok" = 0 ]; then
		act cp "$src" "$GUI_QML/$GUI_PAGE" || gui_fail "cannot copy $GUI_PAGE to $GUI_QML"
	fi
	if ! gui_patched; then
		line=$(gui_model_end "$GUI_MENU")
		[ -n "$line" ] || gui_fail "cannot find where to add the entry in $GUI_MENU"
		# the stock file as it is now (a firmware update may have replaced an older backup)
		if [ ! -d "$GUI_BACKUP_DIR" ]; then act mkdir -p "$GUI_BACKUP_DIR" || gui_fail "cannot create $GUI_BACKUP_DIR"; fi
		act cp "$GUI_MENU" "$GUI_BACKUP" || gui_fail "cannot back up $GUI_MENU"
		tmp=$GUI_BACKUP_DIR/PageSettings.qml.new
		{
			head -n "$((line - 1))" "$GUI_MENU"
			gui_menu_block
			tail -n "+$line" "$GUI_MENU"
		} | write_file "$tmp" || gui_fail "cannot write $tmp"
		copy_over "$tmp" "$GUI_MENU" || {
			cat "$GUI_BACKUP" >"$GUI_MENU"
			gui_fail "cannot update $GUI_MENU (restored from the backup)"
		}
	fi
	rootfs_ro_again
	restart_gui
	gui_rootfs_warning
}

# Remove our page and entry: the stock PageSettings.qml comes back from the backup when the
# file is, our block aside, still the one we saved; otherwise (changed by someone else since)
# only our block is taken out. Nothing to do after a firmware update already removed both.
uninstall_gui_v1() {
	has_page=0
	[ -f "$GUI_QML/$GUI_PAGE" ] && has_page=1
	if [ "$has_page" = 0 ] && ! gui_patched; then return 0; fi
	tell "Removing the classic GUI page and its Settings entry (root filesystem):" \
		"Would remove the classic GUI page and its Settings entry (root filesystem):"
	rootfs_rw
	if gui_patched; then
		if [ -f "$GUI_BACKUP" ] && [ "$(strip_gui_block "$GUI_MENU")" = "$(cat "$GUI_BACKUP")" ]; then
			if [ "$DRY_RUN" = 1 ]; then
				printf '  [dry-run] restore %s from %s\n' "$GUI_MENU" "$GUI_BACKUP"
			else
				cat "$GUI_BACKUP" >"$GUI_MENU" || gui_fail "cannot restore $GUI_MENU from $GUI_BACKUP"
				printf '  + restore %s from %s\n' "$GUI_MENU" "$GUI_BACKUP"
			fi
		else
			if [ "$DRY_RUN" = 1 ]; then
				warn "$GUI_MENU was changed since install.sh --gui-v1 (or its backup is missing): would remove only our entry."
			else
				warn "$GUI_MENU was changed since install.sh --gui-v1 (or its backup is missing): removing only our entry."
			fi
			tmp=$DATA/.$APP.PageSettings.qml.new
			strip_gui_block "$GUI_MENU" | write_file "$tmp" || gui_fail "cannot write $tmp"
			copy_over "$tmp" "$GUI_MENU" || gui_fail "cannot update $GUI_MENU"
		fi
	fi
	if [ "$has_page" = 1 ]; then act rm -f "$GUI_QML/$GUI_PAGE"; fi
	rootfs_ro_again
	restart_gui
}

gui_v1_status() {
	[ -d "$GUI_QML" ] || return 0
	if [ -f "$GUI_QML/$GUI_PAGE" ] && gui_patched; then
		say "Classic GUI page: installed (Settings > smallBMS NG; the root filesystem is modified)"
	elif [ -f "$GUI_BACKUP" ]; then
		say "Classic GUI page: not present (a firmware update removes it): run install.sh --gui-v1 again to add it"
	fi
}

# install.sh --gui-v1 run from the installed copy (after a firmware update): the app itself is
# in place, only the classic GUI page is (re)applied.
do_gui_v1_only() {
	preflight_root
	preflight_venus
	preflight_gui_v1
	[ "$DRY_RUN" = 1 ] && say "Dry run: nothing will be changed."
	install_gui_v1
	if [ "$DRY_RUN" = 1 ]; then say "Dry run finished: nothing was changed."; fi
	return 0
}

# ---------------------------------------------------------------------------------------------
# status

# How svscan picks up the service, and what to do when it has not.
svscan_howto() {
	if [ -n "$ROOT" ]; then
		printf '%s' "nothing runs svscan on $ROOT/service in a fake root (SMALLBMS_ROOT): start one there to supervise it (svscan $ROOT/service &)"
	else
		printf '%s' "svscan starts every service linked in /service within about 5 seconds; if it stays so, check that svscan runs (ps | grep svscan), or reboot the GX"
	fi
}

# service_status HELD: the "Service:" line of --status, svstat's words translated; what is not
# running counts as a problem (HELD = 1: the down file is reported on its own).
service_status() {
	if ! command -v svstat >/dev/null 2>&1; then
		say "Service: unknown (the svstat command is not on PATH)"
		problem "cannot tell whether the service runs: the svstat command is not on PATH (daemontools; Venus OS always has it)"
		return 0
	fi
	s=$(svstat "$SERVICE_LINK" 2>&1 | head -n 1)
	s=${s#"$SERVICE_LINK: "}
	# daemontools svstat: "up (pid N) S seconds[, normally down][, paused][, want down]",
	# "down S seconds[, normally up][, want up]", "supervise not running", "unable to ..."
	case $s in
	up*", paused"*)
		say "Service: paused (svstat: $s)"
		problem "the service is paused (svc -p): continue it with svc -c /service/$APP"
		;;
	up*", want down"*)
		say "Service: stopping (svstat: $s)"
		problem "the service is being stopped (svc -d): start it again with svc -u /service/$APP"
		;;
	up*)
		say "Service: running (svstat: $s)"
		;;
	down*)
		say "Service: stopped (svstat: $s)"
		[ "$1" = 1 ] || problem "the service is stopped: start it with svc -u /service/$APP; if it stops again, read its log: tail /var/log/$APP/current"
		;;
	*"supervise not running"* | *"unable to open supervise/"* | *"unable to read supervise/"*)
		say "Service: not supervised (svscan is not running it; svstat: $s)"
		problem "the service is not supervised, so it does not run: $(svscan_howto)"
		;;
	*)
		say "Service: unknown (svstat: $s)"
		problem "cannot tell whether the service runs: svstat $SERVICE_LINK says: $s"
		;;
	esac
}

do_status() {
	preflight_venus
	v=$(installed_version)
	if [ -z "$v" ]; then
		say "$APP is not installed ($APP_DIR is missing)."
		exit 1
	fi
	say "Installed: $APP $v in $APP_DIR"
	[ -L "$ENABLED_LINK" ] || problem "$ENABLED_LINK is missing (the app is not enabled)"
	NODE=$(installed_node) || NODE=""
	chosen=$(sed -n '1p' "$NODE_FILE" 2>/dev/null)
	why=$(sed -n '2p' "$NODE_FILE" 2>/dev/null)
	if [ -z "$NODE" ] || ! nv=$("$NODE" --version 2>/dev/null); then
		problem "no Node.js to run $APP: unpack the runtime artifact ($APP-runtime-node*-armv7l.tar.gz) on top of the release and run install.sh again"
		NODE=""
	elif [ -z "$chosen" ]; then
		say "Node.js: $NODE $nv (the node on PATH: installed by a release before the choice was recorded)"
	elif [ "$chosen" != "$NODE" ]; then
		problem "Node.js: $chosen (chosen at install: $why) is gone; $APP runs $NODE $nv instead. Run install.sh again to choose anew."
	else
		say "Node.js: $NODE $nv, $why"
	fi
	if [ -e "$SERVICE_LINK" ]; then
		held=0
		[ -f "$APP_DIR/service/down" ] && held=1
		service_status "$held"
		[ "$held" = 1 ] && problem "the service is held down ($APP_DIR/service/down): run install.sh again once the config is valid"
	else
		problem "$SERVICE_LINK is missing: the service is not running (run install.sh again, or reboot if the boot hook is in place)"
	fi
	if [ ! -f "$CONFIG" ]; then
		problem "no config at $CONFIG"
	elif [ -z "$NODE" ]; then
		problem "node is missing: cannot check the config"
	elif check_config "$APP_DIR/smallbms.js" "$CONFIG"; then
		say "Config: $CONFIG is valid"
	else
		problem "config $CONFIG is not valid:"
		printf '%s\n' "$CHECK_OUT" | sed 's/^/    /'
	fi
	if hooks_renamed; then
		problem "custom start-up scripts are disabled by Venus OS (/data/rc.local was renamed to /data/rc.local.disabled): $APP will not start after a reboot. To re-enable them, $(hooks_enable_howto)"
	elif ! has_boot_block; then
		problem "the boot hook is missing from /data/rc.local: $APP will not start after a reboot (run install.sh again)"
	elif [ ! -x "$RC_LOCAL" ]; then
		problem "/data/rc.local is not executable: Venus OS skips it at boot"
	else
		say "Boot hook: present in /data/rc.local"
	fi
	if [ -f "$RC_LOCAL" ] && [ -f "$RC_DISABLED" ]; then
		say "Note: /data/rc.local.disabled exists next to /data/rc.local: Venus OS does not rename it back while /data/rc.local exists, so the lines in it do not run at boot (merge them into /data/rc.local by hand if you still want them)."
	fi
	if hooks_disabled_setting; then
		problem "Modification checks: all modifications are disabled (Settings > General > Modification checks); /data/rc.local is renamed at boot"
	fi
	# v3.70+: venus-platform reports whether the hooks ran at this boot (bit 16) and which exist
	if [ "$VENUS_NUM" -ge "$(version_num "$MODCHECK_VENUS")" ] &&
		hs=$(dbus_get_from "$PLATFORM" /ModificationChecks/SystemHooksState); then
		case $hs in *[!0-9]* | '') ;; *)
			if [ $((hs & 16)) = 0 ] && [ $((hs & 4)) != 0 ]; then
				say "Note: Venus OS reports that the custom start-up scripts did not run at this boot (SystemHooksState $hs); they run at the next boot."
			fi
			;;
		esac
	fi
	gui_v1_status
	resources=$(config_resources "$CONFIG")
	if [ -n "$resources" ] && ! have_dbus; then
		say "GX settings: not checked"
		problem "the dbus command is not on PATH (Venus OS always has it; a fake root may not): the settings of what the config uses ($(resources_words "$resources")) were not checked"
	elif [ -n "$resources" ]; then
		while read -r kind n; do
			case $kind in
			relay)
				cur=$(dbus_get "$(relay_setting "$n")") || continue
				[ "$cur" = 2 ] || problem "relay $n function is $cur, not manual (2): $APP will not drive it (install.sh --set-relays)"
				;;
			input)
				cur=$(dbus_get "$(input_setting "$n")") || continue
				[ "$cur" = 0 ] || problem "digital input $n type is $cur, not disabled (0): Venus still watches it (install.sh --set-relays)"
				;;
			dinput)
				cur=$(dbus_get "$(input_setting "$n")") || continue
				if note=$(alarm_type_note "$n" "$cur"); then
					warn "$note"
				elif [ "$cur" != 10 ]; then
					problem "digital input $n type is $cur: Venus does not publish it, so $APP cannot read it (set it to generic I/O, or install.sh --set-relays)"
				fi
				;;
			esac
		done <<EOF
$resources
EOF
	fi
	say "Last events:"
	if [ -n "$NODE" ] && ev=$("$NODE" "$APP_DIR/smallbms.js" events --config "$CONFIG" -n 5 2>/dev/null); then
		if [ -n "$ev" ]; then printf '%s\n' "$ev" | tail -n 5 | sed 's/^/  /'; else say "  (none)"; fi
	else
		say "  (not available)"
	fi
	if [ "$PROBLEMS" -gt 0 ]; then
		say "$PROBLEMS problem(s) found."
		exit 1
	fi
	say "No problems found."
}

# ---------------------------------------------------------------------------------------------
# uninstall

restore_settings() {
	lines=$(state_lines setting) || return 0
	if ! have_dbus; then
		w="are not"
		[ "$DRY_RUN" = 1 ] && w="would not be"
		no_dbus "the GX settings install.sh changed $w restored; set them back by hand: $(printf '%s\n' "$lines" | awk -v s="$SETTINGS" 'NF >= 3 { printf "%sdbus -y %s %s SetValue %s", sep, s, $2, $3; sep = "; " }')"
		return 0
	fi
	while read -r _ p before after; do
		[ -n "$p" ] || continue
		if cur=$(dbus_get "$p") && [ "$cur" != "$after" ]; then
			tell "Left $p = $cur as it is (changed since install, was $before before install)." \
				"Would leave $p = $cur as it is (changed since install, was $before before install)."
			continue
		fi
		if dbus_set "$p" "$before"; then
			tell "Restoring $p to $before (its value before install)." \
				"Would restore $p to $before (its value before install)."
		else
			warn "could not restore $p to $before"
		fi
	done <<EOF
$lines
EOF
}

# The service hides the GX relays it owns from gui-v2's Switches pane (ShowUIControl = 0)
# and writes down the value each had before in $HISTORY_DIR/relay-ui ("index value" lines).
# Put them back, through systemcalc (which stores the setting; it does not follow a setting
# changed behind its back), or through the setting when systemcalc does not answer.
restore_relay_ui() {
	f=$HISTORY_DIR/relay-ui
	[ -f "$f" ] || return 0
	if ! have_dbus; then
		w=stay
		[ "$DRY_RUN" = 1 ] && w="would stay"
		no_dbus "the relays $APP hid from the Switches pane $w hidden; show them again by hand: $(awk '$1 ~ /^[0-9]+$/ { printf "%sdbus -y com.victronenergy.system /SwitchableOutput/%s/Settings/ShowUIControl SetValue %s", sep, $1, $2; sep = "; " }' "$f")"
		return 0
	fi
	while read -r i before; do
		case "$i$before" in '' | *[!0-9-]*) continue ;; esac
		p=/SwitchableOutput/$i/Settings/ShowUIControl
		if [ "$DRY_RUN" = 1 ]; then
			printf '  [dry-run] dbus -y com.victronenergy.system %s SetValue %s\n' "$p" "$before"
		elif dbus -y com.victronenergy.system "$p" SetValue "$before" </dev/null >/dev/null 2>&1; then
			printf '  + dbus -y com.victronenergy.system %s SetValue %s\n' "$p" "$before"
		elif ! dbus_set "/Settings/Relay/$i/ShowUIControl" "$before"; then
			warn "could not show relay $((i + 1)) in the Switches pane again (ShowUIControl = $before)"
			continue
		fi
		tell "Relay $((i + 1)) shown in the Switches pane again (ShowUIControl = $before)." \
			"Would show relay $((i + 1)) in the Switches pane again (ShowUIControl = $before)."
	done <"$f"
	act rm -f "$f"
}

remove_boot_hook() {
	# our block, kept in the renamed file while Venus has the start-up scripts disabled
	if has_block_in "$RC_DISABLED"; then
		strip_block "$RC_DISABLED" | write_file "$RC_DISABLED.$APP.new"
		copy_over "$RC_DISABLED.$APP.new" "$RC_DISABLED" || warn "cannot update $RC_DISABLED"
	fi
	[ -f "$RC_LOCAL" ] && has_boot_block || return 0
	rest=$(strip_block "$RC_LOCAL" | grep -v '^#!/bin/sh$' | grep -v '^[[:space:]]*$')
	if [ -z "$rest" ] && state_lines created_file | grep -q ' /data/rc.local$'; then
		act rm -f "$RC_LOCAL"
		return 0
	fi
	strip_block "$RC_LOCAL" | write_file "$RC_LOCAL.$APP.new"
	copy_over "$RC_LOCAL.$APP.new" "$RC_LOCAL" || warn "cannot update $RC_LOCAL"
	if state_lines chmod_rc_local >/dev/null; then act chmod a-x "$RC_LOCAL"; fi
}

# Our localsettings: /Settings/SmallBms/... and /Settings/Devices/<id containing smallbms>/...
purge_settings() {
	if ! have_dbus; then
		w="were not"
		[ "$DRY_RUN" = 1 ] && w="would not be"
		no_dbus "the $APP settings in localsettings (/Settings/SmallBms, /Settings/Devices/*smallbms*) $w removed"
		return 0
	fi
	NODE=$(installed_node) || NODE=""
	if [ -z "$NODE" ]; then
		if [ "$DRY_RUN" = 1 ]; then
			warn "node is missing: our settings under /Settings/SmallBms would stay"
		else
			warn "node is missing: our settings under /Settings/SmallBms stay"
		fi
		return 0
	fi
	paths=$(
		{
			printf 'SmallBms\t'
			dbus -y "$SETTINGS" /Settings/SmallBms GetValue 2>/dev/null | tr '\n' ' '
			printf '\nDevices\t'
			dbus -y "$SETTINGS" /Settings/Devices GetValue 2>/dev/null | tr '\n' ' '
			printf '\n'
		} | "$NODE" -e '
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const out = [];
  for (const line of s.split("\n")) {
    const [group, dict] = line.split("\t");
    if (!dict) continue;
    const re = /["\x27]([^"\x27]+)["\x27]\s*:/g;
    let m;
    while ((m = re.exec(dict)))
      if (group === "SmallBms" || /smallbms/i.test(m[1].split("/")[0])) out.push(group + "/" + m[1]);
  }
  if (out.length) console.log(JSON.stringify(out));
});
' 2>/dev/null
	)
	if [ -z "$paths" ]; then
		say "No $APP settings found in localsettings."
		return 0
	fi
	if [ "$DRY_RUN" = 1 ]; then
		printf '  [dry-run] dbus -y %s /Settings RemoveSettings %s\n' "$SETTINGS" "%$paths"
		return 0
	fi
	printf '  + dbus -y %s /Settings RemoveSettings %s\n' "$SETTINGS" "%$paths"
	dbus -y "$SETTINGS" /Settings RemoveSettings "%$paths" </dev/null >/dev/null ||
		warn "RemoveSettings failed; remove them by hand: dbus -y $SETTINGS /Settings RemoveSettings '%$paths'"
}

do_uninstall() {
	preflight_root
	preflight_venus
	[ "$DRY_RUN" = 1 ] && say "Dry run: nothing will be changed."
	v=$(installed_version)
	if [ -z "$v" ] && [ ! -L "$ENABLED_LINK" ] && [ ! -L "$SERVICE_LINK" ] && ! has_boot_block &&
		! has_block_in "$RC_DISABLED" && [ ! -f "$STATE" ] &&
		[ ! -f "$GUI_QML/$GUI_PAGE" ] && ! gui_patched; then
		say "$APP is not installed."
		[ "$PURGE" = 1 ] || return 0
	else
		tell "Removing $APP ${v:-}" "Would remove $APP ${v:-}"
	fi
	stop_service
	if [ -L "$SERVICE_LINK" ] || [ -e "$SERVICE_LINK" ]; then act rm -f "$SERVICE_LINK"; fi
	# before the app directory goes: it holds the backup of the stock PageSettings.qml
	uninstall_gui_v1
	restore_settings
	restore_relay_ui
	remove_boot_hook
	if [ -L "$ENABLED_LINK" ]; then act rm -f "$ENABLED_LINK"; fi
	# the example config we wrote and nobody edited is ours: remove it
	if [ "$PURGE" = 0 ] && [ -f "$CONFIG" ] && [ -f "$APP_DIR/conf/$EXAMPLE_NAME" ] &&
		cmp -s "$CONFIG" "$APP_DIR/conf/$EXAMPLE_NAME"; then
		tell "The config is the unedited example written by install.sh: removing it." \
			"The config is the unedited example written by install.sh: would remove it."
		act rm -f "$CONFIG"
	fi
	# before the app directory goes: it may hold the Node.js runtime that reads the settings
	if [ "$PURGE" = 1 ]; then purge_settings; fi
	for d in "$APP_DIR" "$AVAIL_DIR/.$APP.new."* "$AVAIL_DIR/.$APP.old."*; do
		if [ -d "$d" ]; then act rm -rf "$d"; fi
	done
	if [ "$PURGE" = 1 ]; then
		if [ -f "$CONFIG" ]; then act rm -f "$CONFIG"; fi
		if [ -d "$LOG_DIR" ]; then act rm -rf "$LOG_DIR"; fi
	fi
	# the state file goes last: it lists what to restore and which directories we created
	if [ "$PURGE" = 1 ]; then
		dirs=$(state_lines created_dir | awk '{ print $2 }' | grep -v "^/data/dbus-smallbms\$" | sort -r)
		if [ -d "$HISTORY_DIR" ]; then act rm -rf "$HISTORY_DIR"; fi
		for d in $dirs; do
			if [ -d "$ROOT$d" ] && [ -z "$(ls -A "$ROOT$d" 2>/dev/null)" ]; then act rmdir "$ROOT$d"; fi
		done
	else
		if [ -f "$STATE" ]; then
			dirs=$(state_lines created_dir | awk '{ print $2 }' | sort -r)
			act rm -f "$STATE"
			for d in $dirs; do
				if [ -d "$ROOT$d" ] && [ -z "$(ls -A "$ROOT$d" 2>/dev/null)" ]; then act rmdir "$ROOT$d"; fi
			done
		fi
		if [ -d "$HISTORY_DIR" ]; then
			tell "Kept the event history in $HISTORY_DIR (--purge removes it)." \
				"Would keep the event history in $HISTORY_DIR (--purge removes it)."
		fi
		if [ -f "$CONFIG" ]; then
			tell "Kept your config $CONFIG (--purge removes it)." "Would keep your config $CONFIG (--purge removes it)."
		fi
	fi
	if [ "$DRY_RUN" = 1 ]; then say "Dry run finished: nothing was changed."; else say "$APP removed."; fi
}

# ---------------------------------------------------------------------------------------------
# main

while [ $# -gt 0 ]; do
	case $1 in
	--dry-run | -n) DRY_RUN=1 ;;
	--status) MODE=status ;;
	--uninstall) MODE=uninstall ;;
	--purge) PURGE=1 ;;
	--set-relays) SET_RELAYS=1 ;;
	--yes | -y) YES=1 ;;
	--gui-v1) GUI_V1=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		printf 'install.sh: unknown option: %s\n' "$1" >&2
		usage >&2
		exit 2
		;;
	esac
	shift
done
if [ "$PURGE" = 1 ] && [ "$MODE" != uninstall ]; then
	printf 'install.sh: --purge only goes with --uninstall\n' >&2
	exit 2
fi
if [ "$GUI_V1" = 1 ] && [ "$MODE" != install ]; then
	printf 'install.sh: --gui-v1 only goes with install (--uninstall always removes the classic GUI page)\n' >&2
	exit 2
fi

case $MODE in
install) do_install ;;
status) do_status ;;
uninstall) do_uninstall ;;
esac
exit 0
