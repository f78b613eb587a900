#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct b;

struct a {
	struct b *b;
	int n;
};

struct b {
	struct a *a;
};

struct later;

typedef struct later *later_t;

struct user {
	later_t l;
};

struct later {
	later_t *self;
};

struct opaque;

union opaque_u;

struct holder {
	struct opaque *o;
	union opaque_u *u;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
