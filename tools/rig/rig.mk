# Extra rules for the rig's own programs, read by make after the KVM selftests' Makefile
# (tools/rig/build-tests.sh: make -C tools/testing/selftests/kvm -f Makefile -f rig.mk).
# A program tools/tests/rig/selftests/NAME.c (with the headers beside it) is built as
# $(OUTPUT)/rig/NAME, a benchmark tools/bench/NAME.c as $(OUTPUT)/bench/NAME, with the same
# flags and library as the upstream tests.

$(OUTPUT)/rig/%: $(RIG_SRC)/%.c $(wildcard $(RIG_SRC)/*.h) $(LIBKVM_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@

$(OUTPUT)/bench/%: $(BENCH_SRC)/%.c $(LIBKVM_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@
