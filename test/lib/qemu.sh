# shellcheck shell=bash
# Sourced helpers: busybox initramfs + QEMU boot of the test kernel (TCG only).
#
#   qemu_initramfs OUT.cpio.gz SCRIPT [FILE...]
#       /init (busybox) mounts proc/sysfs/devtmpfs, runs SCRIPT as /test.sh
#       (FILEs are in /klpb/ in the guest), prints the dmesg between markers
#       and reboots through sysrq (QEMU ends thanks to -no-reboot).
#   qemu_boot KERNEL INITRD LOG [TIMEOUT]   boot, serial output to LOG
#   qemu_test SCRIPT [FILE/DIR...]           both, with the cached test kernel;
#                                           sets QEMU_LOG; fails if no end marker
#   qemu_dmesg LOG          the guest's dmesg (taken after the test script)
#   qemu_dmesg_clean LOG    fail (and show it) if dmesg has WARNING/BUG/Oops/Call Trace
#                           or LOG holds no guest dmesg
#   qemu_guest_out LOG      the test script's output (between markers)
#
# Guest helpers available to SCRIPT (sourced from /klpb-guest.sh):
#   mark TEXT               echo "KLPB: TEXT"
#   klp_uptime_cs           the guest's uptime in centiseconds
#   klp_wait_transition N [S]  wait until /sys/kernel/livepatch/N/transition
#                           is 0; fail after S seconds of uptime (default 30)
#   klp_disable N           echo 0 > enabled, wait until the patch is gone
#   klp_insmod FILE [S]     insmod, then wait for the transition of the patch
#                           (S seconds at most, counted from before insmod)

# Per-architecture settings (KLPB_BUSYBOX, KLPB_QEMU, KLPB_QEMU_MACHINE,
# KLPB_CONSOLE, KLPB_DMESG_BENIGN) come from test/lib/kernel.sh.
KLPB_QEMU_TIMEOUT=${KLPB_QEMU_TIMEOUT:-180}
# Extra QEMU options and kernel command-line words for one test (e.g.
# KLPB_QEMU_OPTS="-cpu Skylake-Client" KLPB_QEMU_APPEND="retbleed=stuff").
KLPB_QEMU_OPTS=${KLPB_QEMU_OPTS:-}
KLPB_QEMU_APPEND=${KLPB_QEMU_APPEND:-}

qemu_initramfs() {
	local out=$1 script=$2 dir f
	shift 2
	[[ -x $KLPB_BUSYBOX ]] || { echo "qemu_initramfs: $KLPB_BUSYBOX missing (busybox-static)" >&2; return 1; }
	dir=$(mktemp -d)
	mkdir -p "$dir"/{bin,sbin,proc,sys,dev,tmp,klpb,root,etc}
	cp "$KLPB_BUSYBOX" "$dir/bin/busybox"
	ln -s busybox "$dir/bin/sh"
	cat >"$dir/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "KLPB-BOOT-OK"
echo "KLPB-TEST-BEGIN"
( cd /klpb && . /klpb-guest.sh && . /test.sh ) 2>&1
echo "KLPB-TEST-EXIT $?"
echo "KLPB-DMESG-BEGIN"
dmesg
echo "KLPB-DMESG-END"
sync
echo b > /proc/sysrq-trigger
sleep 10
INIT
	chmod 755 "$dir/init"
	cat >"$dir/klpb-guest.sh" <<'GUEST'
mark() { echo "KLPB: $*"; }
klp_uptime_cs() {
	local u rest
	read -r u rest </proc/uptime
	u=${u%.*}${u#*.}
	while [ ${#u} -gt 1 ] && [ "${u#0}" != "$u" ]; do u=${u#0}; done
	echo "$u"
}
klp_wait_transition() {
	local n=$1 max=${2:-30} t0=${3:-$(klp_uptime_cs)}
	while [ "$(cat /sys/kernel/livepatch/$n/transition 2>/dev/null)" = 1 ]; do
		if [ $(($(klp_uptime_cs) - t0)) -gt $((max * 100)) ]; then
			echo "KLPB: transition of $n stuck after ${max}s"
			return 1
		fi
		sleep 0.1
	done
	return 0
}
klp_insmod() {
	local f=$1 max=${2:-30} n t0
	n=$(basename "$f" .ko | tr - _)
	t0=$(klp_uptime_cs)
	insmod "$f" || return 1
	klp_wait_transition "$n" "$max" "$t0"
}
klp_disable() {
	local n=$1 i=0
	echo 0 > /sys/kernel/livepatch/$n/enabled || return 1
	while [ -d /sys/kernel/livepatch/$n ]; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then echo "KLPB: disable of $n stuck"; return 1; fi
		sleep 0.1
	done
	return 0
}
GUEST
	cp "$script" "$dir/test.sh"
	for f in "$@"; do cp -r "$f" "$dir/klpb/"; done
	(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out" || { rm -rf "$dir"; return 1; }
	rm -rf "$dir"
}

qemu_boot() {
	local kernel=$1 initrd=$2 log=$3 tmo=${4:-$KLPB_QEMU_TIMEOUT} rc=0
	local -a opts=()
	read -r -a opts <<<"$KLPB_QEMU_OPTS"
	timeout --foreground -k 5 "$tmo" "$KLPB_QEMU" "${KLPB_QEMU_MACHINE[@]}" -m 1G -smp 1 -nographic -no-reboot -net none "${opts[@]}" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=$KLPB_CONSOLE panic=-1 oops=panic quiet loglevel=4${KLPB_QEMU_APPEND:+ $KLPB_QEMU_APPEND}" \
		</dev/null >"$log" 2>&1 || rc=$?
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		echo "qemu_boot: timeout after ${tmo}s (log: $log)" >&2
		return 1
	fi
	return 0
}

qemu_test() {
	local script=$1 tmp
	shift
	tmp=${BATS_TEST_TMPDIR:-$(mktemp -d)}
	local build=${KLPB_TEST_BUILD:?source test/lib/kernel.sh}
	qemu_initramfs "$tmp/initrd.gz" "$script" "$@" || return 1
	QEMU_LOG=$tmp/serial.log
	qemu_boot "$build/$KLPB_IMAGE" "$tmp/initrd.gz" "$QEMU_LOG" || { cat "$QEMU_LOG" >&2; return 1; }
	if ! grep -q '^KLPB-DMESG-END' "$QEMU_LOG"; then
		cat "$QEMU_LOG" >&2
		echo "qemu_test: guest did not finish (log: $QEMU_LOG)" >&2
		return 1
	fi
}

qemu_dmesg() { sed -n '/^KLPB-DMESG-BEGIN/,/^KLPB-DMESG-END/p' "$1"; }
qemu_guest_out() { sed -n '/^KLPB-TEST-BEGIN/,/^KLPB-TEST-EXIT/p' "$1"; }

qemu_dmesg_clean() {
	local bad
	# no dmesg at all (guest did not finish, wrong log) is not a clean one
	grep -q '^KLPB-DMESG-END' "$1" 2>/dev/null ||
		{ echo "qemu_dmesg_clean: no guest dmesg in ${1:-(no log)}" >&2; return 1; }
	bad=$(qemu_dmesg "$1" | { if [[ -n $KLPB_DMESG_BENIGN ]]; then grep -vF -- "$KLPB_DMESG_BENIGN"; else cat; fi; } |
		grep -E '\bWARNING\b|\bBUG\b|Oops|Call Trace|general protection|[Kk]ernel panic' || true)
	if [[ -n $bad ]]; then
		echo "dmesg is not clean:" >&2
		qemu_dmesg "$1" >&2
		return 1
	fi
}
