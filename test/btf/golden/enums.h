#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

enum sign {
	NEG = -1,
	MIN = -2147483648,
	POS = 2147483647,
};

enum unsign {
	ZERO = 0,
	MAX = 4294967295,
};

enum wide {
	BIG = 18364758544493064720ULL,
	SMALL = 1ULL,
};

enum swide {
	SNEG = -9223372036854775808LL,
	SPOS = 1099511627781LL,
};

enum tiny {
	T1 = 1,
};

struct uses {
	enum {
		INNER = 7,
	} e;
};

enum {
	LONELY = 9,
};

enum fwd_enum;

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
