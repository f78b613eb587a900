/* Local views of the types of bpf/test/core_target.bpf.c, shared by
 * core_local.bpf.c and core_cpuv4.bpf.c (see core_target.bpf.c for each type's
 * target layout and bpf/test/README.md for the expected results).
 */
#ifndef CORE_LOCAL_TYPES_H
#define CORE_LOCAL_TYPES_H

#define PAI __attribute__((preserve_access_index))

struct ct_marker { int version; } PAI;
struct ct_moved { int a; int b; char c; } PAI;
struct ct_state___new { unsigned int __state; } PAI;
struct ct_state___old { long state; } PAI;
struct ct_legacy___new { unsigned int __state; } PAI;
struct ct_legacy___old { long state; } PAI;
struct ct_removed { int kept; int gone; } PAI;
struct ct_resized { __u32 counter; __u16 small; } PAI;
struct ct_bits { unsigned int flags; int level; unsigned int rest; } PAI;
struct ct_unbits { unsigned int mode : 3; int count : 20; } PAI;
struct ct_arrays { int one[4]; int grid[2][3]; int nitems; int items[]; } PAI;
struct ct_nested {
	int id;
	union {
		int as_int;
		unsigned int as_uint;
	};
	struct {
		short lo;
		short hi;
	};
} PAI;
struct ct_node { int value; struct ct_node *next; } PAI;
struct ct_absent { int x; } PAI; // in no target

enum ct_color { CT_RED = 1, CT_GREEN = 2, CT_BLUE = 3, CT_PURPLE = 4 };
enum ct_color___v1 { CT_GREEN___v1 = 2 }; // flavored type and enumerator
enum ct_big { CT_BIG_SMALL = 1, CT_BIG_LARGE = 0x100000000ULL }; // ENUM64
enum ct_narrow { CT_NARROW_A = 0x100000001ULL, CT_NARROW_B = 2 }; // ENUM64 here, ENUM in target
typedef unsigned int ct_word_t;

struct ct_match_ok { int id; char *name; } PAI;
struct ct_match_sign { unsigned int id; } PAI;
struct ct_match_missing { int id; int gone; } PAI;
enum ct_match_enum { CT_ME_ONE = 1, CT_ME_TWO = 2 };
struct ct_loose { int mine; } PAI;

#define TARGET_PRESENT_OR_RETURN_1()                    \
	do {                                            \
		if (!bpf_core_type_exists(struct ct_marker)) \
			return 1;                       \
	} while (0)

#endif
