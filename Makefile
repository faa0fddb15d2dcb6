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

QEMU_MEM ?= 256M
# `make V=1` shows every command.
Q := $(if $(V),,@)

.PHONY: all kernel image run debug test unit-test system-test bench deps clean help

all: image

help:
	@echo "make run          build and boot Agora in QEMU (serial console here; type q to halt)"
	@echo "make test         host unit tests and system tests in QEMU"
	@echo "make image        build $(ISO)"
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

image: $(ISO)

$(ISO): $(KERNEL_ELF) images/grub.cfg tools/mkiso.sh
	tools/mkiso.sh $(KERNEL_ELF) "" $@

run: deps $(ISO)
	tools/qemu.sh run $(ISO)

debug: deps $(ISO)
	tools/qemu.sh debug $(ISO)

unit-test:
	$(MAKE) -C tests/unit check

system-test: $(KERNEL_ELF)
	tests/system/run.sh $(KERNEL_ELF)

test: deps
	@$(MAKE) --no-print-directory $(KERNEL_ELF) $(ISO)
	@tests/run-all.sh $(KERNEL_ELF)

bench: deps $(KERNEL_ELF)
	tools/bench.sh $(KERNEL_ELF)

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJ:.o=.d)
