// build-flags: -mcpu=v4
// cpu v4 instructions for the asm/ tests: sign-extending loads (ldsx) and moves
// (movsx), signed division and modulo, unconditional byte swaps (bswap).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

volatile __s8 s8v = -3;
volatile __s16 s16v = -300;
volatile __s32 s32v = -70000;
volatile __s64 s64v = -123456789;
volatile __s64 out[12];

SEC("socket")
int v4_ops(struct __sk_buff *skb)
{
	__s32 len = (__s32)skb->len | 1;
	__s64 d = s64v;
	__s32 c = s32v;

	out[0] = s8v;
	out[1] = s16v;
	out[2] = c;
	out[3] = d / len;
	out[4] = d % len;
	out[5] = c / len;
	out[6] = c % len;
	out[7] = (__s8)len;
	out[8] = (__s16)len;
	out[9] = (__s64)(__s32)d;
	out[10] = (__s64)__builtin_bswap64((__u64)d);
	out[11] = __builtin_bswap32((__u32)c) + __builtin_bswap16((__u16)len);
	return 0;
}
