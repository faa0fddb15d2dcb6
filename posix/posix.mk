# POSIX programs (posix/README.md): newlib from Debian's newlib-source, built once into a
# cache outside the clone; the POSIX runtime (build/posix/crt0.o, libposix.a); programs
# compiled and linked by tools/agora-cc. Included by the top Makefile.

PBUILD     := $(BUILD)/posix
AGORA_CC   := tools/agora-cc
# Where newlib is (or will be) installed; empty when newlib-source is not installed yet.
NEWLIB_DIR := $(shell posix/newlib/build.sh --dir 2>/dev/null)
NEWLIB     := $(if $(NEWLIB_DIR),$(NEWLIB_DIR)/.complete,$(PBUILD)/no-newlib-source)

POSIX_CFLAGS    := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP
POSIX_RT_CFLAGS := $(POSIX_CFLAGS) -fno-omit-frame-pointer -Iinclude -Ilib/libagora/include
# libagora's protocol packing and calls, shared with native programs (libagora.a itself
# would bring the kernel's memcpy, strlen, ... and clash with newlib's).
POSIX_RT_SHARED := lib/libagora/proto.c lib/libagora/proto_call.c lib/libagora/clock.c
POSIX_RT_OBJ    := $(patsubst %.c,$(PBUILD)/obj/%.o,$(sort $(wildcard posix/runtime/*.c)) $(POSIX_RT_SHARED))
POSIX_CRT0      := $(PBUILD)/crt0.o
LIBPOSIX        := $(PBUILD)/libposix.a

.PHONY: newlib posix

newlib: $(NEWLIB)

ifneq ($(NEWLIB_DIR),)
$(NEWLIB):
	posix/newlib/build.sh
else
$(NEWLIB):
	@echo "newlib: Debian's newlib-source is not installed (make deps)" >&2
	@false
endif

posix: $(POSIX_CRT0) $(LIBPOSIX)

$(POSIX_CRT0): posix/runtime/crt0.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (posix)"
	$(Q)$(CC) $(USER_ASFLAGS) -c $< -o $@

$(PBUILD)/obj/posix/runtime/%.o: posix/runtime/%.c $(NEWLIB) $(AGORA_CC)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (posix)"
	$(Q)$(AGORA_CC) $(POSIX_RT_CFLAGS) -c $< -o $@

$(PBUILD)/obj/lib/libagora/%.o: lib/libagora/%.c $(NEWLIB) $(AGORA_CC)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (posix)"
	$(Q)$(AGORA_CC) $(POSIX_RT_CFLAGS) -c $< -o $@

$(LIBPOSIX): $(POSIX_RT_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# Program sources, with the flags every POSIX program of ours gets.
$(PBUILD)/obj/%.o: %.c $(NEWLIB) $(AGORA_CC)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (posix)"
	$(Q)$(AGORA_CC) $(POSIX_CFLAGS) -c $< -o $@

# POSIX_PROGRAM(name,dir): build/user/<name>.elf from every dir/*.c, linked by agora-cc,
# checked by elfcheck like every user program.
define POSIX_PROGRAM
POSIX_OBJ_$(1) := $$(patsubst %.c,$(PBUILD)/obj/%.o,$$(sort $$(wildcard $(2)/*.c)))
USER_ELVES += $(UBUILD)/$(1).elf
POSIX_DEPS += $$(POSIX_OBJ_$(1):.o=.d)
$(UBUILD)/$(1).elf: $$(POSIX_OBJ_$(1)) $(POSIX_CRT0) $(LIBPOSIX) posix/posix.ld $(AGORA_CC) $(ELFCHECK)
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@ (posix)"
	$$(Q)$(AGORA_CC) -o $$@ $$(POSIX_OBJ_$(1))
	$$(Q)$(ELFCHECK) $$@
endef

-include $(POSIX_RT_OBJ:.o=.d)
