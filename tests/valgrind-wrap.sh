#!/bin/sh
# valgrind-wrap.sh BUILD VGDIR: make VGDIR a build dir whose ebpf-* run
# under memcheck (any error or definite leak fails them), sharing BUILD's
# objects and helpers.
set -eu
build=$(cd "$1" && pwd)
mkdir -p "$2"
vg=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
for d in bpf tests fuzz proto; do
	ln -sfn "$build/$d" "$vg/$d"
done
for b in ebpf-loader ebpf-print ebpf-exporter ebpf-stream; do
	cat >"$vg/$b" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=97 --leak-check=full --show-leak-kinds=definite \\
	--errors-for-leak-kinds=definite --suppressions=$here/valgrind.supp \\
	--log-file=$vg/valgrind-$b.%p.log "$build/$b" "\$@"
WRAP
	chmod +x "$vg/$b"
done
