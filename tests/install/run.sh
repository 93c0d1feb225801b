#!/usr/bin/env bash
# `make install` into a scratch DESTDIR: the binary, the man page (rendered by man(1) with
# no warnings) and the examples land under PREFIX (default /usr/local, or as given).
# Usage: tests/install/run.sh [BPFSCOPE]   (the argument is unused: make installs its build)
# Needs no root. Ends with "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/bpfscope-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# An isolated compile cache: tests share no state with the machine's (one given in the
# environment is kept, so a second run of the suite finds it warm).
export BPFSCOPE_CACHE_DIR=${BPFSCOPE_CACHE_DIR:-$tmp/cache}
pass=0 fail=0 skip=0

result() { # NAME WHY: WHY empty means the check passed
	if [ -z "$2" ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: ${2%; }"
		fail=$((fail + 1))
	fi
}

# Installs with the given make arguments into $tmp/$1; prints why it failed, if it did.
install_into() {
	local name=$1
	shift
	make --no-print-directory -C "$root" install DESTDIR="$tmp/$name" "$@" \
		>"$tmp/$name.log" 2>&1 || { echo "make install failed:"; tail -n 5 "$tmp/$name.log"; }
}

# Checks the files under DESTDIR/PREFIX; prints what is wrong.
check_tree() {
	local top=$1 why="" ex
	[ -x "$top/bin/bpfscope" ] || why+="no executable $top/bin/bpfscope; "
	[ -x "$top/bin/bpfscope" ] && ! "$top/bin/bpfscope" -V | grep -q '^bpfscope v' &&
		why+="installed bpfscope -V does not print its version; "
	[ -f "$top/share/man/man8/bpfscope.8" ] || why+="no man page in share/man/man8; "
	for ex in "$root"/examples/*.bt; do
		cmp -s "$ex" "$top/share/bpfscope/examples/$(basename "$ex")" ||
			why+="example $(basename "$ex") missing or different; "
	done
	echo "$why"
}

why=$(install_into default)
[ -z "$why" ] && why=$(check_tree "$tmp/default/usr/local")
result install_default_prefix "$why"

why=$(install_into prefix PREFIX=/opt/bpfscope)
[ -z "$why" ] && why=$(check_tree "$tmp/prefix/opt/bpfscope")
[ -z "$why" ] && [ -e "$tmp/prefix/usr/local" ] && why="PREFIX ignored: files under /usr/local"
result install_prefix_destdir "$why"

if command -v man >/dev/null; then
	page="$tmp/default/usr/local/share/man/man8/bpfscope.8"
	why=""
	MANWIDTH=80 man --warnings -l "$page" >"$tmp/man.out" 2>"$tmp/man.err" ||
		why+="man failed; "
	[ -s "$tmp/man.err" ] && why+="man warnings: $(head -n 5 "$tmp/man.err"); "
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT "EXIT STATUS" EXAMPLES; do
		grep -q "^$s\$" "$tmp/man.out" || why+="no $s section; "
	done
	result man_page_renders "$why"
else
	echo "skip man_page_renders: needs man"
	skip=$((skip + 1))
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
