#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct foo {
	int a;
};

struct foo;

union foo___2 {
	int b;
};

enum foo___3 {
	bar = 1,
};

typedef int bar___2;

enum {
	bar___3 = 2,
	baz = 3,
};

enum empty;

enum empty;

struct foo___2 {
	int c;
};

typedef char baz___2;

typedef int baz___3;

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
