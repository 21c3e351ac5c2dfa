# Convenience front end: the real build is meson + ninja in $(BUILD).
#
#   make              build (runs ./configure first if $(BUILD) is missing)
#   make check        install missing packages, build, run unit tests and
#                     iotests, print per-suite case counts and "N passed, N failed"
#   make check-unit / make check-iotests    one suite only
#   make install      meson install (prefix from ./configure --prefix)
#   make demo         build and run the daemon on a 1 GiB null device exported
#                     read-write at $(DEMO_MOUNT); Ctrl-C stops it
#   make bench        fio side by side with qemu-storage-daemon and fuse-floor
#                     (tests/bench/run; BENCH_ARGS=--quick or --verify)
#   make clean / make distclean
#
# BUILD=dir selects another build directory (configure it with
# ./configure --builddir=dir ...; a missing one gets the default options).
#
# SPDX-License-Identifier: GPL-2.0-or-later

BUILD ?= build
SD := $(BUILD)/storage-daemon/storage-daemon
DEMO_MOUNT ?= /tmp/storage-daemon-demo.img
MESON_TEST := meson test -C $(BUILD) --print-errorlogs

.PHONY: all deps configure check check-unit check-iotests install demo bench clean distclean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Quiet when everything is installed.
deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

configure: $(BUILD)/build.ninja

# For targets that need deps first: configure only once packages are there.
CONFIGURE_IF_MISSING := [ -f $(BUILD)/build.ninja ] || ./configure --builddir=$(BUILD)

# Run one set of suites ($(1): extra meson test arguments, $(2): log name)
# and count test cases.  The old log is removed first so that a failed build
# cannot be summarised from stale results.
define run_tests
	@rm -f $(BUILD)/meson-logs/$(2).json
	-@$(MESON_TEST) --logbase $(2) $(1)
	@scripts/test-summary $(BUILD)=$(BUILD)/meson-logs/$(2).json
endef

check: deps
	@$(CONFIGURE_IF_MISSING)
	$(call run_tests,,check)

check-unit: deps
	@$(CONFIGURE_IF_MISSING)
	$(call run_tests,--suite unit,check-unit)

check-iotests: deps
	@$(CONFIGURE_IF_MISSING)
	$(call run_tests,--suite iotests,check-iotests)

install: all
	meson install -C $(BUILD)

# exec: the daemon replaces the shell, so Ctrl-C reaches it directly; it
# unmounts and exits 0.
demo: deps
	@$(CONFIGURE_IF_MISSING)
	@ninja -C $(BUILD) storage-daemon/storage-daemon
	@if grep -q " $(DEMO_MOUNT) " /proc/self/mounts; then \
	    echo "$(DEMO_MOUNT) is already mounted (another demo running?)" >&2; exit 1; \
	fi
	@[ -f $(DEMO_MOUNT) ] || : > $(DEMO_MOUNT)
	@echo
	@echo "Exporting a 1 GiB null device (reads return zeroes, writes are"
	@echo "discarded), read-write, at:"
	@echo
	@echo "    $(DEMO_MOUNT)"
	@echo
	@echo "Try, in another terminal:"
	@echo "    qemu-img info -f raw $(DEMO_MOUNT)"
	@echo "    dd if=/dev/urandom of=$(DEMO_MOUNT) bs=1M count=16 conv=notrunc oflag=direct"
	@echo "    dd if=$(DEMO_MOUNT) of=/dev/null bs=1M iflag=direct"
	@echo "    fio --name=demo --filename=$(DEMO_MOUNT) --rw=randread --bs=4k \\"
	@echo "        --ioengine=libaio --iodepth=16 --direct=1 --runtime=10 --time_based"
	@echo
	@echo "Press Ctrl-C to stop the daemon (it unmounts before exiting)."
	@exec $(SD) \
	    --blockdev driver=null-co,node-name=demo,size=1073741824,read-zeroes=on \
	    --export type=fuse,id=demo,node-name=demo,mountpoint=$(DEMO_MOUNT),writable=on

# Not part of make check: speed is measured here, never asserted in tests.
bench: deps
	@$(CONFIGURE_IF_MISSING)
	@ninja -C $(BUILD) storage-daemon/storage-daemon
	tests/bench/run --build-dir $(BUILD) $(BENCH_ARGS)

clean:
	-[ -f $(BUILD)/build.ninja ] && ninja -C $(BUILD) clean

distclean:
	rm -rf $(BUILD)
