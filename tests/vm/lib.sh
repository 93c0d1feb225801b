# shellcheck shell=bash disable=SC2034  # VM_* are read by the scripts that source this
# Guest kernel and initramfs for the VM harness (sourced, not run). vm_prepare fetches a
# stock Debian kernel with `apt-get download` (never installed), unpacks it into the cache,
# extracts the uncompressed vmlinux for a PVH boot and builds the initramfs; each step runs
# only when its result is missing. On success it sets VM_KVER, VM_VMLINUX and VM_INITRD;
# on failure it sets VM_WHY to the reason and returns 1, with VM_BROKEN=1 when the
# machine lacks nothing (tools installed, kernel fetched) but the harness itself failed.
#
# BPFSCOPE_VM_CACHE   cache directory (default /var/cache/bpfscope-vm)
# BPFSCOPE_VM_KERNEL  which kernel: "6.12" (default, has kprobe_multi) or "6.1"

VM_CACHE=${BPFSCOPE_VM_CACHE:-/var/cache/bpfscope-vm}
VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Modules the initramfs loads, in dependency order; those built into a kernel are skipped.
VM_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	netfs fscache 9pnet 9pnet_virtio 9p overlay"

vm_log() { [ -n "${BPFSCOPE_VM_QUIET:-}" ] || echo "vm: $*" >&2; }

# The commands the harness needs; `make vm-deps` installs their packages (VM_PACKAGES in
# the Makefile, the one list of them). Prints the missing ones.
vm_missing_tools() {
	local c missing=""
	for c in qemu-system-x86_64 busybox dpkg-deb xz zstd cpio; do
		command -v "$c" >/dev/null || [ -x "/bin/$c" ] || missing+=" $c"
	done
	echo "${missing# }"
}

# Prints the real image package a meta package (linux-image-6.12-amd64) depends on.
image_of_meta() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' | head -n 1
}

# Prints the name of the kernel image package to use, or nothing.
vm_pick_package() {
	local metas pkg m
	case "${BPFSCOPE_VM_KERNEL:-6.12}" in
	6.1) metas="linux-image-amd64" ;;
	*) metas="linux-image-6.12-amd64 linux-image-amd64" ;;
	esac
	for m in $metas; do
		pkg=$(image_of_meta "$m")
		[ -n "$pkg" ] && { echo "$pkg"; return; }
	done
}

# Fetches and unpacks the image package into $VM_CACHE/$pkg/root unless already there.
vm_fetch_kernel() {
	local pkg=$1 dir="$VM_CACHE/$1"
	[ -f "$dir/.unpacked" ] && return 0
	rm -rf "$dir" && mkdir -p "$dir/dl" && chmod 777 "$dir/dl" || return 1
	vm_log "fetching $pkg"
	(cd "$dir/dl" && apt-get download "$pkg" >&2) || return 1
	dpkg-deb -x "$dir"/dl/*.deb "$dir/root" || return 1
	rm -rf "$dir/dl"
	touch "$dir/.unpacked"
}

# Writes the ELF vmlinux inside bzImage $1 to $2: finds each known compression magic and
# tries to decompress from there (what the kernel's scripts/extract-vmlinux does).
vm_extract_vmlinux() {
	local img=$1 out=$2 magic tool off
	for pair in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' '\x1f\x8b\x08:gzip -dc' \
		'\x02\x21\x4c\x18:lz4 -dc' 'BZh:bzip2 -dc' '\x5d\x00\x00\x00:xz -F lzma -dc'; do
		magic=${pair%%:*} tool=${pair#*:}
		for off in $(LC_ALL=C grep -obUaP "$magic" "$img" | cut -d: -f1); do
			tail -c +$((off + 1)) "$img" | $tool >"$out.tmp" 2>/dev/null
			if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# Builds the initramfs $2 for the kernel unpacked in $1 (static busybox, modules, /init).
vm_build_initramfs() {
	local kroot=$1 out=$2 kver=$3 d m f
	d=$(mktemp -d /tmp/bpfscope-initramfs.XXXXXX)
	mkdir -p "$d"/{bin,dev,proc,sys,mnt,newroot,lib/modules} || return 1
	cp /bin/busybox "$d/bin/busybox"
	ln -s busybox "$d/bin/sh"
	cp "$VM_HERE/init" "$d/init" && chmod 755 "$d/init"
	# The kernel opens /dev/console for init before devtmpfs is mounted.
	mknod -m 600 "$d/dev/console" c 5 1
	mknod -m 666 "$d/dev/null" c 1 3
	: >"$d/lib/modules/order"
	for m in $VM_MODULES; do
		f=$(find "$kroot/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" \
			-o -name "$m.ko.zst" | head -n 1)
		[ -n "$f" ] || continue # built in, or absent in this kernel
		case "$f" in
		*.xz) xz -dc "$f" >"$d/lib/modules/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$d/lib/modules/$m.ko" ;;
		*) cp "$f" "$d/lib/modules/$m.ko" ;;
		esac
		echo "$m" >>"$d/lib/modules/order"
	done
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" && mv "$out.tmp" "$out"
	local rc=$?
	rm -rf "$d"
	return $rc
}

vm_prepare() {
	VM_BROKEN=0 VM_WHY=
	local missing
	missing=$(vm_missing_tools)
	[ -z "$missing" ] || { VM_WHY="missing $missing (make vm-deps installs them)"; return 1; }
	mkdir -p "$VM_CACHE" || { VM_WHY="cannot create $VM_CACHE"; return 1; }
	local pkg
	pkg=$(vm_pick_package)
	if [ -z "$pkg" ]; then
		apt-get update >&2
		pkg=$(vm_pick_package)
	fi
	[ -n "$pkg" ] || { VM_WHY="apt offers no linux-image-*-amd64 package"; return 1; }
	if ! vm_fetch_kernel "$pkg"; then
		apt-get update >&2
		vm_fetch_kernel "$pkg" || { VM_WHY="apt-get download $pkg failed"; return 1; }
	fi
	local dir="$VM_CACHE/$pkg"
	VM_KVER=$(basename "$(ls -d "$dir"/root/lib/modules/*/ | head -n 1)")
	VM_VMLINUX="$dir/vmlinux"
	VM_INITRD="$dir/initramfs.cpio.gz"
	if [ ! -s "$VM_VMLINUX" ]; then
		vm_extract_vmlinux "$dir/root/boot/vmlinuz-$VM_KVER" "$VM_VMLINUX" ||
			{ VM_BROKEN=1 VM_WHY="cannot extract vmlinux from vmlinuz-$VM_KVER"; return 1; }
	fi
	# Rebuilt when the init script changes.
	if [ ! -s "$VM_INITRD" ] || [ "$VM_HERE/init" -nt "$VM_INITRD" ]; then
		vm_build_initramfs "$dir/root" "$VM_INITRD" "$VM_KVER" ||
			{ VM_BROKEN=1 VM_WHY="cannot build the initramfs"; return 1; }
	fi
}
