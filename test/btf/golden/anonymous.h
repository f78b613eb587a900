#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct nest {
	union {
		struct {
			union {
				struct {
					union {
						struct {
							union {
								struct {
									union {
										struct {
											union {
												struct {
													union {
													struct {
													int deep;
													};
													int u0;
													};
												};
												int u2;
											};
										};
										int u4;
									};
								};
								int u6;
							};
						};
						int u8;
					};
				};
				int u10;
			};
		};
		int u12;
	};
};

typedef struct {
	int lo;
	int hi;
} pair_t;

union shifted {
	int: 32;
	int late;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
