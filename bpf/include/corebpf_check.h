/* Self-checking BPF test programs: a check that fails returns its source line,
 * so BPF_PROG_TEST_RUN's return value names the failed expectation (0 = all
 * passed). Each checked value is also stored in out[slot] for the test to read.
 */
#ifndef COREBPF_CHECK_H
#define COREBPF_CHECK_H

/* Store expr in out[slot]; return __LINE__ unless it equals want. */
#define EXPECT(out, slot, expr, want)                        \
	do {                                                 \
		__u64 __got = (__u64)(expr);                 \
		(out)[slot] = __got;                         \
		if (__got != (__u64)(want))                  \
			return __LINE__;                     \
	} while (0)

/* Store expr in out[slot] without checking it (kernel-dependent values). */
#define RECORD(out, slot, expr) ((out)[slot] = (__u64)(expr))

/* Keep the compiler from forwarding earlier stores into later loads. */
#define COMPILER_BARRIER() asm volatile("" ::: "memory")

#endif
