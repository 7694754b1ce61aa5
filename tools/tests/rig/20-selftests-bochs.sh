#!/usr/bin/env bash
# The rig's own self-tests on bochs (tools/tests/rig/selftests/run.sh): a module that WARNs on load,
# a hanging test, a vCPU spinning with interrupts disabled, and bad input, each noticed.
. "$(dirname "$0")/../lib.sh"
exec "$TOP/tools/tests/rig/selftests/run.sh" bochs
