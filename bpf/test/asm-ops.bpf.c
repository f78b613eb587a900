// Instruction variety for the asm/ tests (cpu v3): 32- and 64-bit ALU, jmp32,
// every atomic, byte swaps, legacy packet loads, helper calls, bpf-to-bpf calls,
// callbacks (ldimm64 src=4), tail calls and global data of each kind.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jumps SEC(".maps");

__u64 total = 1;			/* .data */
__u64 events;				/* .bss */
const volatile __u32 divisor = 7;	/* .rodata */
volatile __s64 signed_value = -40;
volatile __u32 narrow = 0x12345678;

static __noinline __u64 mix(__u64 a, __u64 b)
{
	__u64 r = a * 31 + b;

	r ^= r >> 7;
	r = (r << 3) | (r >> 61);
	return r % 1000003;
}

static __noinline int count32(__u32 x)
{
	int n = 0;

	for (int i = 0; i < 32; i++)
		if (x & (1u << i))
			n++;
	return n;
}

/* Legacy packet loads (BPF_LD | BPF_ABS) through LLVM's intrinsics. */
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

static long add_one(__u32 index, void *ctx)
{
	__u64 *sum = ctx;

	*sum += index;
	return 0;
}

SEC("socket")
int alu_and_jumps(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__s32 s = (__s32)len - 100;
	__u64 acc = total;

	if ((__s32)len > 40 && s < 0)
		acc += len / divisor;
	if ((len & 0xff) != 3)
		acc -= (__u64)(s >> 2);
	acc = mix(acc, len % 13);
	acc += count32(len);
	acc += (__u64)(signed_value >> 3);
	acc += __builtin_bswap32(narrow) + __builtin_bswap16((__u16)len) + __builtin_bswap64(acc);
	acc ^= (__u64)-(long)acc;
	acc = acc & 0xffffffff;
	return acc > 1000 ? 1 : 0;
}

SEC("socket")
int atomics(struct __sk_buff *skb)
{
	__u32 key = skb->len & 63;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);
	__u64 one = 1, old;

	if (!v) {
		bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
		return 0;
	}
	__sync_fetch_and_add(v, 1);
	__sync_fetch_and_or(v, 2);
	__sync_fetch_and_and(v, ~4ull);
	__sync_fetch_and_xor(v, 8);
	old = __sync_fetch_and_add(&events, 1);
	old += __sync_fetch_and_or(&events, 16);
	old += __sync_fetch_and_and(&events, 0xffff);
	old += __sync_fetch_and_xor(&events, 32);
	old += __sync_lock_test_and_set(&total, old);
	old += __sync_val_compare_and_swap(&total, old, 5);
	__sync_fetch_and_add((__u32 *)&narrow, 1);
	return (int)old & 1;
}

SEC("socket")
int packets(struct __sk_buff *skb)
{
	__u64 proto = load_byte(skb, 23);
	__u64 port = load_half(skb, 36);
	__u64 word = load_word(skb, 26);
	__u64 sum = 0;

	bpf_loop(8, add_one, &sum, 0);
	return (int)(proto + port + word + sum);
}

SEC("socket")
int tail(struct __sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 cpu = bpf_get_smp_processor_id();

	bpf_tail_call(skb, &jumps, cpu & 3);
	return (int)(now & 1) + (int)(bpf_get_prandom_u32() % 3);
}
