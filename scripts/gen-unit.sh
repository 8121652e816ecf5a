#!/bin/sh
# gen-unit.sh UNIT SBINDIR: a unit from units/ with its install paths and
# the shared hardening blocks filled in.
set -eu
unit=$1
sbindir=$2
dir=$(dirname "$unit")
awk -v sbindir="$sbindir" -v loader="$dir/loader-hardening.conf" -v reader="$dir/reader-hardening.conf" '
function include(f,   line) {
	while ((getline line < f) > 0)
		if (line !~ /^#/)
			print line
	close(f)
}
/^@LOADER_HARDENING@$/ { include(loader); next }
/^@READER_HARDENING@$/ { include(reader); next }
{ gsub(/@SBINDIR@/, sbindir); print }
' "$unit"
