#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct obj {
	int x;
};

struct tagged {
	int __attribute__((btf_type_tag("user"))) *u;
	struct obj __attribute__((btf_type_tag("percpu"))) __attribute__((btf_type_tag("rcu"))) *r;
	charconst  __attribute__((btf_type_tag("user"))) *c;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
