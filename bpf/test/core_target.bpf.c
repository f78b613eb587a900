// Target BTF for core_local.bpf.c: the "kernel" types that core_local's local
// (preserve_access_index) types are relocated against. This object has no
// programs; its .BTF section is the target (libbpf: btf_custom_path pointing at
// core_target.bpf.o; corebpf: --btf core_target.bpf.o, or the same types built
// with the BTF encoder). Each type differs from its local twin in the way the
// comment says; the expected relocation results are checked by core_local's
// programs and listed in bpf/test/README.md.
//
// Sizes and offsets below are for the LP64 BPF target (long = 8 bytes).
#include "vmlinux.h"

// Presence marker: core_local's programs return 1 when it is absent (e.g.
// relocated against a real kernel), so they load and run anywhere.
struct ct_marker {
	int version;
};

// Fields reordered and a field added: c@0, pad@8, b@16, a@20; size 24.
struct ct_moved {
	char c;
	long pad;
	int b;
	int a;
};

// Renamed field, new style (state -> __state): flags@0, __state@4.
struct ct_state {
	int flags;
	unsigned int __state;
};

// Renamed field, old style still in place: state@0 (long).
struct ct_legacy {
	long state;
};

// A field removed: only kept@0 remains.
struct ct_removed {
	int kept;
};

// Fields resized: counter u32 -> u64 (@0, 8 bytes), small u16 -> u8 (@8).
struct ct_resized {
	__u64 counter;
	__u8 small;
};

// Plain fields made bitfields: flags:4 (bits 0-3), level:12 signed (bits
// 4-15), rest:16 (bits 16-31), all in one 4-byte unit.
struct ct_bits {
	unsigned int flags : 4;
	int level : 12;
	unsigned int rest : 16;
};

// Bitfields made plain: mode@0 (u8), count@4 (int, signed).
struct ct_unbits {
	__u8 mode;
	int count;
};

// Arrays resized and moved: pad@0, grid@8 as long long[3][4] (96 bytes),
// one@104 as int[2]; items is a flexible array at the end (@112).
struct ct_arrays {
	long pad;
	long long grid[3][4];
	int one[2];
	int nitems;
	int items[];
};

// Anonymous members nested differently: the union that holds as_int is two
// levels deep and comes first; hi and lo swapped.
struct ct_nested {
	struct {
		union {
			long as_long;
			int as_int;
		};
	};
	int id;
	struct {
		short hi;
		short lo;
	};
};

// A linked node with next@0 and value@16.
struct ct_node {
	struct ct_node *next;
	long pad;
	int value;
};

// Enumerators renumbered, CT_PURPLE removed.
enum ct_color {
	CT_RED = 10,
	CT_GREEN = 20,
	CT_BLUE = 30,
};

// 64-bit enumerators (ENUM64) renumbered.
enum ct_big {
	CT_BIG_LARGE = 0x200000000ULL,
	CT_BIG_SMALL = 7,
};

// Local ENUM64, target a 32-bit ENUM of the same name.
enum ct_narrow {
	CT_NARROW_A = 5,
	CT_NARROW_B = 6,
};

// typedef to a wider integer: size 8.
typedef unsigned long long ct_word_t;

// TYPE_MATCHES cases.
struct ct_match_ok { // extra member and different order: matches
	long extra;
	char *name;
	int id;
};

struct ct_match_sign { // id signed here, unsigned locally: no match
	int id;
};

struct ct_match_missing { // local member 'gone' absent: no match
	int id;
};

enum ct_match_enum { // superset of the local enumerators, other values: matches
	CT_ME_ONE = 100,
	CT_ME_TWO = 200,
	CT_ME_THREE = 300,
};

// Compatible (TYPE_EXISTS 1) but not matching (TYPE_MATCHES 0).
struct ct_loose {
	long other;
};

// Two candidates with the same essential name and different layouts: any
// relocation against ct_amb is ambiguous (core_errors.bpf.c).
struct ct_amb___one {
	int x;
};

struct ct_amb___two {
	long pad;
	int x;
};

// A field beyond the 16-bit signed instruction offset (core_errors.bpf.c).
struct ct_far {
	char pad[40000];
	int x;
};

// One global per type keeps every type in the object's BTF.
struct ct_marker ct_marker_v;
struct ct_moved ct_moved_v;
struct ct_state ct_state_v;
struct ct_legacy ct_legacy_v;
struct ct_removed ct_removed_v;
struct ct_resized ct_resized_v;
struct ct_bits ct_bits_v;
struct ct_unbits ct_unbits_v;
struct ct_arrays ct_arrays_v;
struct ct_nested ct_nested_v;
struct ct_node ct_node_v;
enum ct_color ct_color_v;
enum ct_big ct_big_v;
enum ct_narrow ct_narrow_v;
ct_word_t ct_word_v;
struct ct_match_ok ct_match_ok_v;
struct ct_match_sign ct_match_sign_v;
struct ct_match_missing ct_match_missing_v;
enum ct_match_enum ct_match_enum_v;
struct ct_loose ct_loose_v;
struct ct_amb___one ct_amb_one_v;
struct ct_amb___two ct_amb_two_v;
struct ct_far ct_far_v;
