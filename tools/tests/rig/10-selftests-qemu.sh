#!/usr/bin/env bash
# The rig's own self-tests on qemu (tools/tests/rig/selftests/run.sh): a module that WARNs on load,
# a hanging test, a vCPU spinning with interrupts disabled, and bad input, each noticed.
# check-full-only: the same rules as rig/20-selftests-bochs, on the QEMU profile (one boot with three CPUs); 216 s
. "$(dirname "$0")/../lib.sh"
exec "$TOP/tools/tests/rig/selftests/run.sh" qemu
