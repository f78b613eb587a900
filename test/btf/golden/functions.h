#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef int handler_t(int x, const char *);

struct ops {
	int (*simple)(int x, const char *);
	int (*printf)(const char *fmt, ...);
	void (*noargs)(void);
	void (*empty)(void);
	int (* (*pick)(int which))(int x, const char *);
	int (*table[2])(int x, const char *);
	handler_t *h;
	void (* const fixed)(void);
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
