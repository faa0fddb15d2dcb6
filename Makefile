# Agora: top-level build. `make run` boots the system in QEMU; `make test` runs every test.
# Everything is built into build/; nothing outside it is written.

BUILD      := build
KBUILD     := $(BUILD)/kernel
ISO_DIR    := $(BUILD)/iso
KERNEL_ELF := $(KBUILD)/agora.elf
ISO        := $(BUILD)/agora.iso

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
LD := ld
NM := nm

# The kernel is freestanding: no libc, no red zone (interrupts push on the kernel stack),
# no SSE/x87 (the kernel does not save that state), the kernel code model (top 2 GiB),
# frame pointers kept for backtraces, and every warning an error.
KERNEL_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mcmodel=kernel -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Ikernel -Iinclude -MMD -MP
KERNEL_ASFLAGS := -Ikernel -Iinclude -MMD -MP -D__ASSEMBLY__ -Wa,--noexecstack
KERNEL_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

KERNEL_C   := $(shell find kernel -name '*.c' | sort)
KERNEL_S   := $(shell find kernel -name '*.S' | sort)
KERNEL_OBJ := $(patsubst %.c,$(KBUILD)/%.o,$(KERNEL_C)) $(patsubst %.S,$(KBUILD)/%.o,$(KERNEL_S))

# User programs (lib/libagora/README.md): the kernel's freestanding flags with the small code
# model, only the compiler's own headers (no host libc by accident), linked static by user.ld.
UBUILD       := $(BUILD)/user
USER_LD      := lib/libagora/user.ld
GCC_INCLUDE  := $(shell $(CC) -print-file-name=include)
LIBGCC       := $(shell $(CC) -print-libgcc-file-name)
USER_CFLAGS  := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -Iinclude -Ilib/libagora/include -MMD -MP
USER_ASFLAGS := -Iinclude -Ilib/libagora/include -MMD -MP -D__ASSEMBLY__ -Wa,--noexecstack
USER_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack -T $(USER_LD)

QEMU_MEM ?= 256M
# `make V=1` shows every command.
Q := $(if $(V),,@)

.PHONY: all kernel user image run debug test unit-test system-test bench deps clean help

all: image user

help:
	@echo "make run          build and boot Agora to a shell in QEMU (serial console here; poweroff halts)"
	@echo "make test         host unit tests and system tests in QEMU"
	@echo "make image        build $(ISO)"
	@echo "make user         build the user programs into $(UBUILD)/<name>.elf"
	@echo "make newlib       build newlib (once; cached in $${AGORA_CACHE:-~/.cache/agora})"
	@echo "make debug        boot halted with QEMU's gdb stub and attach gdb"
	@echo "make bench        print benchmark figures"
	@echo "make deps         install the Debian packages the build needs"

deps:
	@tools/deps.sh

kernel: $(KERNEL_ELF)

$(KBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KBUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(KBUILD)/kernel.ld: kernel/arch/x86_64/kernel.ld kernel/arch/x86_64/boot/layout.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -Ikernel $< -o $@

# Two links: the first gives the addresses, the second carries its symbol table (.ksyms
# comes after all code, so the code does not move between the two).
$(KBUILD)/ksyms-empty.S: tools/gen-ksyms.sh
	@mkdir -p $(dir $@)
	tools/gen-ksyms.sh > $@

$(KBUILD)/agora.pass1.elf: $(KERNEL_OBJ) $(KBUILD)/ksyms-empty.o $(KBUILD)/kernel.ld
	$(LD) $(KERNEL_LDFLAGS) -T $(KBUILD)/kernel.ld -o $@ $(KERNEL_OBJ) $(KBUILD)/ksyms-empty.o

$(KBUILD)/ksyms.S: $(KBUILD)/agora.pass1.elf tools/gen-ksyms.sh
	tools/gen-ksyms.sh $< > $@

$(KBUILD)/ksyms-empty.o $(KBUILD)/ksyms.o: $(KBUILD)/%.o: $(KBUILD)/%.S
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KBUILD)/agora.pass1.elf $(KBUILD)/ksyms.o
	$(LD) $(KERNEL_LDFLAGS) -T $(KBUILD)/kernel.ld -o $@ $(KERNEL_OBJ) $(KBUILD)/ksyms.o
	@tools/check-ksyms.sh $(KBUILD)/agora.pass1.elf $@

# ---- user space: libagora, then one line per program ----

# libagora: its own sources and the kernel's pure ones (formatter, string functions, ELF
# checks), compiled again with the user flags; only these see kernel/ headers.
LIBAGORA_SRC := $(sort $(wildcard lib/libagora/*.c)) kernel/lib/format.c kernel/lib/string.c kernel/lib/cmdline.c \
	kernel/lib/elf.c
LIBAGORA_OBJ := $(patsubst %.c,$(UBUILD)/obj/%.o,$(LIBAGORA_SRC))
LIBAGORA     := $(UBUILD)/libagora.a
CRT0         := $(UBUILD)/obj/lib/libagora/crt0.o
$(LIBAGORA_OBJ): USER_EXTRA_CFLAGS := -Ikernel

$(UBUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(USER_CFLAGS) $(USER_EXTRA_CFLAGS) -c $< -o $@

$(UBUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (user)"
	$(Q)$(CC) $(USER_ASFLAGS) -c $< -o $@

$(LIBAGORA): $(LIBAGORA_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# Host tool: the kernel's ELF checks run on every linked program, so a program the kernel
# or agora_spawn would refuse never leaves the build.
HOST_CC  ?= gcc
ELFCHECK := $(BUILD)/tools/elfcheck
$(ELFCHECK): tools/elfcheck.c kernel/lib/elf.c kernel/lib/elf.h include/agora/boot.h \
		include/agora/errors.h include/agora/objects.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Ikernel -Iinclude -o $@ tools/elfcheck.c kernel/lib/elf.c

# Host tool: disk images with a known pattern for the block-device tests (tests/blk-test).
DISKPATTERN := $(BUILD)/tools/diskpattern
$(DISKPATTERN): tools/diskpattern.c tests/blk-test/pattern.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Itests/blk-test -o $@ tools/diskpattern.c
user: $(DISKPATTERN)

# USER_PROGRAM(name,dir[,more sources]): build/user/<name>.elf from every dir/*.c and
# dir/*.S (and the sources listed third, shared with another program), with crt0 and
# libagora. A new program is one more $(eval ...) line below.
define USER_PROGRAM
USER_OBJ_$(1) := $$(patsubst %,$(UBUILD)/obj/%.o,$$(basename $$(sort $$(wildcard $(2)/*.c $(2)/*.S)) $(3)))
USER_ELVES += $(UBUILD)/$(1).elf
USER_DEPS += $$(USER_OBJ_$(1):.o=.d)
$(UBUILD)/$(1).elf: $(CRT0) $$(USER_OBJ_$(1)) $(LIBAGORA) $(USER_LD) $(ELFCHECK)
	@echo "  LD      $$@"
	$$(Q)$(LD) $(USER_LDFLAGS) -o $$@ $(CRT0) $$(USER_OBJ_$(1)) $(LIBAGORA) $(LIBGCC)
	$$(Q)$(ELFCHECK) $$@
endef

# init reads the supervisor's boot table with the supervisor's parser (servers/init/supervisor.c).
$(eval $(call USER_PROGRAM,init,servers/init,servers/supervisor/table.c))
$(eval $(call USER_PROGRAM,supervisor,servers/supervisor))
$(eval $(call USER_PROGRAM,svc-dummy,tests/svc-dummy))
$(eval $(call USER_PROGRAM,names,servers/names))
$(eval $(call USER_PROGRAM,ktest,tests/ktest))
$(eval $(call USER_PROGRAM,ktest-child,tests/ktest/child))
$(eval $(call USER_PROGRAM,kstress,tests/kstress))
$(eval $(call USER_PROGRAM,kstress-worker,tests/kstress/worker))
$(eval $(call USER_PROGRAM,kbench,tests/kbench))
$(eval $(call USER_PROGRAM,kbench-peer,tests/kbench/peer))
$(eval $(call USER_PROGRAM,names-test,tests/names-test))
$(eval $(call USER_PROGRAM,names-test-svc,tests/names-test/svc))
$(eval $(call USER_PROGRAM,vfs,servers/vfs))
# tmpfs links vfs's tree and allocator, the same sources (servers/tmpfs/README.md).
$(eval $(call USER_PROGRAM,tmpfs,servers/tmpfs,servers/vfs/ramfs.c servers/vfs/heap.c))
$(eval $(call USER_PROGRAM,serial,drivers/serial))
$(eval $(call USER_PROGRAM,rtc,drivers/rtc))
$(eval $(call USER_PROGRAM,serial-test,tests/serial-test))
$(eval $(call USER_PROGRAM,tty,servers/tty))
$(eval $(call USER_PROGRAM,tty-test,tests/tty-test))
$(eval $(call USER_PROGRAM,server-fuzz,tests/server-fuzz))
$(eval $(call USER_PROGRAM,pci,drivers/pci))
$(eval $(call USER_PROGRAM,virtio-blk,drivers/virtio-blk))
$(eval $(call USER_PROGRAM,blk-test,tests/blk-test))
$(eval $(call USER_PROGRAM,blk-bench,tests/blk-test/bench))
# ext2, the file-system server over the ext2 library (servers/ext2: every .c there), with vfs's allocator.
$(eval $(call USER_PROGRAM,ext2,servers/ext2,servers/vfs/heap.c))

# POSIX programs (newlib, posix/runtime, tools/agora-cc): posix/posix.mk.
include posix/posix.mk
$(eval $(call POSIX_PROGRAM,posix-hello,tests/posix-hello))
$(eval $(call POSIX_PROGRAM,posix-files,tests/posix-files))
$(eval $(call POSIX_PROGRAM,posix-proc,tests/posix-proc))
$(eval $(call POSIX_PROGRAM,posix-signal,tests/posix-signal))
$(eval $(call POSIX_PROGRAM,posix-proc-exec,tests/posix-proc/exec))
$(eval $(call POSIX_PROGRAM,posix-pipe,tests/posix-pipe))
$(eval $(call POSIX_PROGRAM,posix-pipe-echo,tests/posix-pipe/echo))
$(eval $(call POSIX_PROGRAM,posix-poll,tests/posix-poll))
$(eval $(call POSIX_PROGRAM,posix-mount,tests/posix-mount))
$(eval $(call POSIX_PROGRAM,posix-ext2,tests/posix-ext2))
$(eval $(call POSIX_PROGRAM,posix-ext2-workload,tests/posix-ext2-workload))
$(eval $(call POSIX_PROGRAM,poweroff,userland/poweroff))
$(eval $(call POSIX_PROGRAM,ps,userland/ps))
$(eval $(call POSIX_PROGRAM,mount,userland/mount))
$(eval $(call POSIX_PROGRAM,svc,userland/svc))
$(eval $(call POSIX_PROGRAM,svc-demo,userland/svc-demo))
$(eval $(call POSIX_PROGRAM,svc-stress,tests/svc-stress))
$(eval $(call POSIX_PROGRAM,svc-bench,tests/svc-bench))
$(eval $(call POSIX_PROGRAM,posix-bench,tests/posix-bench))
$(eval $(call POSIX_PROGRAM,posix-bench-true,tests/posix-bench/true))

# The VMM (vmm-server/README.md): one process per guest, started by the vm command
# (userland/vm). pm gives a process running /bin/vmm-server a pool of its own for VMs.
$(eval $(call POSIX_PROGRAM,vmm-server,vmm-server))
$(eval $(call POSIX_PROGRAM,vm,userland/vm))
$(eval $(call POSIX_PROGRAM,vm-fuzz,tests/vm-fuzz))
$(POSIX_OBJ_vmm-server) $(POSIX_OBJ_vm) $(POSIX_OBJ_vm-fuzz): POSIX_CFLAGS += -I. -Iinclude -Ilib/libagora/include

# Guests of our own (guests/README.md): freestanding 32-bit multiboot kernels, built with
# the host's gcc (-m32 needs no multilib: no libc header, only gcc's own) into build/guests.
GBUILD        := $(BUILD)/guests
GUEST_CFLAGS  := -m32 -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) -fno-pic -fno-pie \
	-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables -O2 -Wall -Wextra \
	-Werror -Wno-unused-parameter -Iinclude -MMD -MP
GUEST_LDFLAGS := -m elf_i386 -nostdlib -static -z noexecstack --no-warn-rwx-segments
$(GBUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (guest)"
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@
$(GBUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (guest)"
	$(Q)$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -Wa,--noexecstack -c $< -o $@
# GUEST(name[,more sources]): build/guests/<name>.elf from guests/<name>/*.c *.S and the
# sources listed second (shared with another guest).
define GUEST
GUEST_OBJ_$(1) := $$(patsubst %,$(GBUILD)/obj/%.o,$$(basename $$(sort $$(wildcard guests/$(1)/*.c guests/$(1)/*.S)) $(2)))
GUEST_ELVES += $(GBUILD)/$(1).elf
USER_DEPS += $$(GUEST_OBJ_$(1):.o=.d)
$(GBUILD)/$(1).elf: $$(GUEST_OBJ_$(1)) guests/$(1)/guest.ld
	@echo "  LD      $$@ (guest)"
	$$(Q)$(LD) $(GUEST_LDFLAGS) -T guests/$(1)/guest.ld -o $$@ $$(GUEST_OBJ_$(1))
endef
$(eval $(call GUEST,test))
$(eval $(call GUEST,hostile,guests/test/boot.S guests/test/cpu.c guests/test/console.c))
# The long-mode guest is an ELF64 (the VMM starts it in 64-bit mode): the 64-bit flags.
LONG_GUEST_OBJ := $(patsubst %,$(GBUILD)/obj64/%.o,$(basename $(sort $(wildcard guests/long/*.c guests/long/*.S))))
GUEST_ELVES += $(GBUILD)/long.elf
USER_DEPS += $(LONG_GUEST_OBJ:.o=.d)
$(GBUILD)/obj64/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (guest, 64-bit)"
	$(Q)$(CC) $(subst -m32,-m64 -mno-red-zone -mcmodel=small,$(GUEST_CFLAGS)) -c $< -o $@
$(GBUILD)/obj64/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (guest, 64-bit)"
	$(Q)$(CC) $(subst -m32,-m64,$(GUEST_CFLAGS)) -D__ASSEMBLY__ -Wa,--noexecstack -c $< -o $@
$(GBUILD)/long.elf: $(LONG_GUEST_OBJ) guests/long/long.ld
	@echo "  LD      $@ (guest)"
	$(Q)$(LD) -m elf_x86_64 -nostdlib -static -z noexecstack --no-warn-rwx-segments -T guests/long/long.ld -o $@ $(LONG_GUEST_OBJ)
user: $(GUEST_ELVES)

# pm, the process manager (servers/pm): its ELF loader uses the kernel's ELF checks.
$(eval $(call USER_PROGRAM,pm,servers/pm))
$(USER_OBJ_pm): USER_EXTRA_CFLAGS := -Ikernel

# dash, Debian's /bin/sh, from Debian's source package (userland/ports/dash/README.md).
# `make dash` fails when it cannot build; `make user` builds it too but only reports a
# missing source (no network and nothing cached: build.sh exits 2), so the tests that need
# it are skipped rather than failed.
.PHONY: dash dash-optional
dash: $(POSIX_CRT0) $(LIBPOSIX) $(ELFCHECK)
	$(Q)userland/ports/dash/build.sh
	$(Q)$(ELFCHECK) $(UBUILD)/dash.elf
dash-optional: $(POSIX_CRT0) $(LIBPOSIX) $(ELFCHECK)
	$(Q)rc=0; userland/ports/dash/build.sh || rc=$$?; \
	if [ $$rc = 2 ]; then echo "dash: no Debian source: not built, its tests are skipped" >&2; \
	elif [ $$rc != 0 ]; then exit $$rc; else $(ELFCHECK) $(UBUILD)/dash.elf; fi
user: dash-optional

# busybox's coreutils, grep and sed from Debian's source package (userland/ports/busybox/README.md):
# build/user/busybox.elf and the applet list build/user/busybox.applets. `make user` skips it
# (never fails) when the source cannot be fetched or the build fails; `make busybox` fails.
.PHONY: busybox busybox-optional
busybox: $(POSIX_CRT0) $(LIBPOSIX) $(ELFCHECK)
	$(Q)userland/ports/busybox/build.sh
	$(Q)$(ELFCHECK) $(UBUILD)/busybox.elf
busybox-optional: $(POSIX_CRT0) $(LIBPOSIX) $(ELFCHECK)
	$(Q)rc=0; userland/ports/busybox/build.sh || rc=$$?; \
	if [ $$rc = 2 ]; then echo "busybox: no Debian source: not built" >&2; \
	elif [ $$rc != 0 ]; then echo "busybox: build failed (build/ports/busybox/build.log): not built" >&2; \
		rm -f $(UBUILD)/busybox.elf $(UBUILD)/busybox.applets; \
	else $(ELFCHECK) $(UBUILD)/busybox.elf; fi
user: busybox-optional

# The root file system's boot image (images/README.md): a cpio newc archive for vfs.
ROOTFS_CPIO := $(UBUILD)/rootfs.cpio
$(ROOTFS_CPIO): $(shell find images/rootfs) Makefile
	@mkdir -p $(dir $@)
	@echo "  CPIO    $@"
	$(Q)cd images/rootfs && find . ! -name .keep | LC_ALL=C sort | \
		cpio -o -H newc -R 0:0 --quiet > $(abspath $@).tmp && mv $(abspath $@).tmp $(abspath $@)
user: $(ROOTFS_CPIO)

# The root image for the process tests: images/rootfs plus POSIX programs in /bin, which pm
# loads through vfs (tests/system/cases/posix-proc.test boots it as rootfs.cpio).
POSIX_ROOTFS_BIN  := posix-proc posix-proc-exec posix-signal posix-pipe posix-pipe-echo posix-poll posix-mount posix-ext2 \
	svc-bench
POSIX_ROOTFS_BIN  += posix-ext2-workload
POSIX_ROOTFS_CPIO := $(UBUILD)/posix-rootfs.cpio
$(POSIX_ROOTFS_CPIO): $(shell find images/rootfs) $(POSIX_ROOTFS_BIN:%=$(UBUILD)/%.elf) Makefile
	@echo "  CPIO    $@"
	$(Q)rm -rf $@.d && mkdir -p $@.d/bin && cp -R images/rootfs/. $@.d/ && \
		for p in $(POSIX_ROOTFS_BIN); do cp $(UBUILD)/$$p.elf $@.d/bin/$$p; done && \
		cd $@.d && find . ! -name .keep | LC_ALL=C sort | \
		cpio -o -H newc -R 0:0 --quiet > $(abspath $@).tmp && mv $(abspath $@).tmp $(abspath $@)
	$(Q)rm -rf $@.d
user: $(POSIX_ROOTFS_CPIO)

# The root image make bench boots with pm (tools/bench.sh): images/rootfs plus
# /bin/posix-bench (pid 1) and /bin/posix-bench-true (what it execs).
BENCH_ROOTFS_BIN  := posix-bench posix-bench-true
BENCH_ROOTFS_CPIO := $(UBUILD)/posix-bench-rootfs.cpio
$(BENCH_ROOTFS_CPIO): $(shell find images/rootfs) $(BENCH_ROOTFS_BIN:%=$(UBUILD)/%.elf) Makefile
	@echo "  CPIO    $@"
	$(Q)rm -rf $@.d && mkdir -p $@.d/bin && cp -R images/rootfs/. $@.d/ && \
		for p in $(BENCH_ROOTFS_BIN); do cp $(UBUILD)/$$p.elf $@.d/bin/$$p; done && \
		cd $@.d && find . ! -name .keep | LC_ALL=C sort | \
		cpio -o -H newc -R 0:0 --quiet > $(abspath $@).tmp && mv $(abspath $@).tmp $(abspath $@)
	$(Q)rm -rf $@.d
user: $(BENCH_ROOTFS_CPIO)

# The root disk's contents (make run, images/README.md): images/rootfs, images/system over it
# (/etc/profile), images/root (what only the disk root has: /dev for vfs's devices), dash as
# /bin/sh when it could be built, busybox with its applets as hard links, and our POSIX
# programs in /bin. tools/mkrootfs.sh rewrites it only when its bytes change, so the disk
# (build/disk.img, below) is remade only when what goes into it changed.
SYSTEM_ROOTFS_BIN  := poweroff ps mount posix-hello vm vmm-server svc svc-demo svc-stress
SYSTEM_ROOTFS_CPIO := $(UBUILD)/system-rootfs.cpio
$(SYSTEM_ROOTFS_CPIO): $(shell find images/rootfs images/system images/root) \
		$(SYSTEM_ROOTFS_BIN:%=$(UBUILD)/%.elf) $(GUEST_ELVES) tools/mkrootfs.sh Makefile dash-optional busybox-optional
	@echo "  CPIO    $@"
	$(Q)tools/mkrootfs.sh $@ images/rootfs images/system images/root '?$(UBUILD)/dash.elf=bin/sh' \
		$(foreach p,$(SYSTEM_ROOTFS_BIN),$(UBUILD)/$(p).elf=bin/$(p)) \
		$(foreach g,$(GUEST_ELVES),$(g)=guests/$(notdir $(g))) \
		'?$(UBUILD)/busybox.elf=bin/busybox' links:$(UBUILD)/busybox.applets
user: $(SYSTEM_ROOTFS_CPIO)

# The root image of the VM tests (tests/system/cases/vm-*.test): the normal root plus the
# guests at /guests/NAME.elf.
VM_ROOTFS_BIN  := poweroff ps vm vmm-server vm-fuzz
VM_ROOTFS_CPIO := $(UBUILD)/vm-rootfs.cpio
$(VM_ROOTFS_CPIO): $(shell find images/rootfs images/system) $(VM_ROOTFS_BIN:%=$(UBUILD)/%.elf) \
		$(GUEST_ELVES) tools/mkrootfs.sh Makefile dash-optional busybox-optional
	@echo "  CPIO    $@"
	$(Q)tools/mkrootfs.sh $@ images/rootfs images/system '?$(UBUILD)/dash.elf=bin/sh' \
		$(foreach p,$(VM_ROOTFS_BIN),$(UBUILD)/$(p).elf=bin/$(p)) \
		$(foreach g,$(GUEST_ELVES),$(g)=guests/$(notdir $(g))) \
		'?$(UBUILD)/busybox.elf=bin/busybox' applets:$(UBUILD)/busybox.applets
user: $(VM_ROOTFS_CPIO)

# The root image of the supervisor's tests (tests/system/cases/svc-*.test), booted as vfs's
# own tree (so busybox's applets are one-line scripts, not hard links): images/rootfs,
# images/system, the normal root's programs in /bin, and /sbin/svc-dummy, a driver for
# `svc load` to add.
SVC_ROOTFS_CPIO := $(UBUILD)/svc-rootfs.cpio
$(SVC_ROOTFS_CPIO): $(shell find images/rootfs images/system) \
		$(SYSTEM_ROOTFS_BIN:%=$(UBUILD)/%.elf) $(UBUILD)/svc-dummy.elf tools/mkrootfs.sh Makefile \
		dash-optional busybox-optional
	@echo "  CPIO    $@"
	$(Q)tools/mkrootfs.sh $@ images/rootfs images/system '?$(UBUILD)/dash.elf=bin/sh' \
		$(foreach p,$(SYSTEM_ROOTFS_BIN),$(UBUILD)/$(p).elf=bin/$(p)) $(UBUILD)/svc-dummy.elf=sbin/svc-dummy \
		'?$(UBUILD)/busybox.elf=bin/busybox' applets:$(UBUILD)/busybox.applets
user: $(SVC_ROOTFS_CPIO)

user: $(USER_ELVES)

image: $(ISO) $(DISK_IMG)

# The root disk (servers/ext2/README.md, images/README.md): build/disk.img, an ext2 file
# system made by tools/mkdisk.sh (mke2fs -d) from the root image above. make run boots with
# root=ext2: ext2 mounts it on "/" and pm starts /bin/sh from it. It is remade only when
# the root image's bytes changed (what make run wrote to an older build/disk.img is then
# gone); make fresh-disk starts again from the build. The system tests use their own
# images, made the same way and never booted as they are (run.sh boots a copy):
# ext2-test.img (16 MiB, from images/disk) and ext2-tiny.img (a disk to fill).
DISK_IMG      := $(BUILD)/disk.img
EXT2_TEST_IMG := $(BUILD)/ext2-test.img
EXT2_TINY_IMG := $(BUILD)/ext2-tiny.img
DISK_STAGING  := $(shell find images/disk)
MKE2FS        ?= /usr/sbin/mke2fs
define EXT2_IMAGE
	@mkdir -p $(dir $@)
	@echo "  MKE2FS  $@"
	$(Q)rm -f $@.tmp && $(MKE2FS) -q -F -t ext2 -b 1024 -N $(2) -E root_owner=0:0 -d $(1) $@.tmp $(3) && mv $@.tmp $@
endef
$(DISK_IMG): $(SYSTEM_ROOTFS_CPIO) tools/mkdisk.sh
	@echo "  MKDISK  $@"
	$(Q)MKE2FS=$(MKE2FS) tools/mkdisk.sh $@ 64M 4096 $(SYSTEM_ROOTFS_CPIO)
user: $(DISK_IMG)
$(EXT2_TEST_IMG): $(DISK_STAGING) Makefile
	$(call EXT2_IMAGE,images/disk,2048,16M)
$(EXT2_TINY_IMG): Makefile
	@mkdir -p $(BUILD)/ext2-tiny.d && echo "a file written before the disk filled up" > $(BUILD)/ext2-tiny.d/before
	$(call EXT2_IMAGE,$(BUILD)/ext2-tiny.d,64,1M)
EXT2_BENCH_IMG := $(BUILD)/ext2-bench.img
$(EXT2_BENCH_IMG): Makefile
	@mkdir -p $(BUILD)/ext2-bench.d && echo "make bench's disk (tools/bench.sh)" > $(BUILD)/ext2-bench.d/BENCH
	$(call EXT2_IMAGE,$(BUILD)/ext2-bench.d,4096,64M)
user: $(EXT2_TEST_IMG) $(EXT2_TINY_IMG) $(EXT2_BENCH_IMG)
# The workload test's disk (ext2-workload.test): 64 MiB, 8192 inodes, made from images/disk.
EXT2_WORK_IMG := $(BUILD)/ext2-work.img
$(EXT2_WORK_IMG): $(DISK_STAGING) Makefile
	$(call EXT2_IMAGE,images/disk,8192,64M)
user: $(EXT2_WORK_IMG)
.PHONY: fresh-disk
fresh-disk:
	rm -f $(DISK_IMG)
	$(MAKE) --no-print-directory $(DISK_IMG)

# The normal boot (make run): init, the servers and the drivers that reach the disk, and
# tmpfs for /tmp; the rest comes from the disk (build/disk.img): ext2 mounts it on "/"
# (root=ext2), vfs moves /tmp's tmpfs there and shows its /dev there, and pm, having waited for the root, starts /bin/sh from it as pid 1, a
# login shell (posix_login=1: it reads /etc/profile). Without dash (its source could not be
# fetched) the image is init alone, with init's console (q halts). The system tests
# shell-*.test boot this ISO (their `iso:` line) with a copy of build/disk.img.
SYSTEM_MODULES := init names supervisor rtc serial tty vfs tmpfs pm pci virtio-blk ext2
SYSTEM_CMDLINE := posix_init=/bin/sh posix_login=1 root=ext2
$(ISO): $(KERNEL_ELF) $(SYSTEM_MODULES:%=$(UBUILD)/%.elf) images/grub.cfg tools/mkiso.sh Makefile dash-optional
	$(Q)if [ -f $(UBUILD)/dash.elf ]; then \
		tools/mkiso.sh $(KERNEL_ELF) "$(SYSTEM_CMDLINE)" $@ $(SYSTEM_MODULES:%=$(UBUILD)/%.elf); \
	else \
		echo "image: no dash: $@ boots to init's console (q halts)" >&2; \
		tools/mkiso.sh $(KERNEL_ELF) "" $@ $(UBUILD)/init.elf; \
	fi
	@echo "  ISO     $@"

run: deps $(ISO) $(DISK_IMG)
	QEMU_DISK=$(DISK_IMG) tools/qemu.sh run $(ISO)

debug: deps $(ISO) $(DISK_IMG)
	QEMU_DISK=$(DISK_IMG) tools/qemu.sh debug $(ISO)

unit-test:
	$(MAKE) -C tests/unit check

system-test: $(KERNEL_ELF) $(ISO) user
	tests/system/run.sh $(KERNEL_ELF)

test: deps
	@$(MAKE) --no-print-directory $(KERNEL_ELF) $(ISO) user
	@tests/run-all.sh $(KERNEL_ELF)

bench: deps $(KERNEL_ELF) $(UBUILD)/kbench.elf $(UBUILD)/kbench-peer.elf $(ISO) $(DISK_IMG) \
		$(BENCH_ROOTFS_CPIO) $(UBUILD)/init.elf $(UBUILD)/names.elf $(UBUILD)/vfs.elf $(UBUILD)/tmpfs.elf \
		$(UBUILD)/pm.elf $(UBUILD)/pci.elf $(UBUILD)/virtio-blk.elf $(UBUILD)/blk-bench.elf $(DISKPATTERN) \
		$(UBUILD)/ext2.elf $(POSIX_ROOTFS_CPIO) $(EXT2_BENCH_IMG) $(VM_ROOTFS_CPIO) $(UBUILD)/serial.elf \
		$(UBUILD)/tty.elf $(UBUILD)/supervisor.elf
	tools/bench.sh $(KERNEL_ELF)

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJ:.o=.d) $(LIBAGORA_OBJ:.o=.d) $(CRT0:.o=.d) $(USER_DEPS)
-include $(POSIX_DEPS)
