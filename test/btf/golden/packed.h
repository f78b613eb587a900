#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct misaligned {
	char c;
	int i;
} __attribute__((packed));

struct odd_size {
	int i;
	char c;
	short: 0;
} __attribute__((packed));

struct inner_packed {
	char: 8;
	short int s;
} __attribute__((packed));

struct outer {
	char c;
	struct inner_packed p;
	int i;
};

struct natural {
	int a;
	char b;
};

union packed_union {
	int i;
	char c;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
