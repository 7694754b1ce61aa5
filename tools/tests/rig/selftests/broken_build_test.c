// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rig self-test: a test program that does not compile. Asking for it (TESTS=rig-broken-build)
 * must stop vmtest.sh before anything boots, naming the program and quoting the error.
 */
#error "rig self-test: this test program deliberately fails to build"
