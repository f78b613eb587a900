#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct bits {
	unsigned int a: 3;
	unsigned int b: 29;
	char: 8;
	unsigned char c: 4;
	long: 20;
	long long unsigned int d: 40;
	int e;
	short int f: 1;
};

struct realign {
	char x;
	long: 0;
	char y: 2;
	long: 0;
};

struct padded {
	long int v;
	long: 64;
	long: 64;
	long: 64;
	long: 64;
	long: 64;
	long: 64;
	long: 64;
};

struct small_tail {
	char v;
	int: 0;
	int: 24;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
