#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef __builtin_va_list __gnuc_va_list;

typedef unsigned char __Poly8_t;

struct va {
	__builtin_va_list b;
	__gnuc_va_list *g;
	__Poly8_t p;
	double d;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
