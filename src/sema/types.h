/* The type system shared by sema and codegen: integers, strings, pointers, BTF records,
 * tuples, and the map value kinds made by aggregation functions. Types live in c->arena. */
#ifndef TYPES_H
#define TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../progdesc.h"
#include "../util/vec.h"

struct arena;

enum ty_kind {
	TY_ERROR, /* a bad expression; later checks stay quiet on it */
	TY_NONE, /* no value: statements, void calls (exit, printf) */
	TY_INT, /* size 1, 2, 4 or 8; is_signed */
	TY_STR, /* char[size], NUL padded; size includes the NUL */
	TY_PTR, /* pointer to elem; as_user selects probe_read_user */
	TY_RECORD, /* struct/union: BTF kernel type or tracepoint args record; fields */
	TY_ARRAY, /* elem[nelem] */
	TY_TUPLE, /* (a, b, ...): fields named "0", "1", ... at C-aligned offsets */
	TY_CTX, /* the probe's context pointer (arg0.., args of raw tracepoints) */
	/* map values made by aggregation calls; only ever the type of an AST_MAP */
	TY_COUNT, /* count(): per-CPU u64 */
	TY_SUM, /* sum(x): per-CPU 64-bit, is_signed */
	TY_MIN, /* min(x): per-CPU { s64 value; u64 set } */
	TY_MAX, /* max(x): per-CPU { s64 value; u64 set } */
	TY_AVG, /* avg(x): per-CPU { s64 sum; u64 count } */
	TY_STATS, /* stats(x): per-CPU { s64 sum; u64 count } */
	TY_HIST, /* hist(x): per-CPU u64 per bucket; the bucket is the last key field */
	TY_LHIST, /* lhist(x, min, max, step): as hist with linear buckets */
	/* values only user space can render */
	TY_TIMESTAMP, /* strftime(fmt, ns): u64 nanoseconds + a format id in fmt_id */
	TY_KSTACK, /* kstack: s64 stack id; stack_mode, stack_map */
	TY_USTACK, /* ustack: s64 stack id + u64 pid; stack_mode, stack_map */
	TY_KSYM, /* ksym(addr): u64 address */
	TY_USYM, /* usym(addr): u64 address + pid */
	TY_ERRNO, /* strerror(n): s64 */
	TY_MACADDR, /* macaddr(p): 6 bytes in a u64 */
	TY_INET, /* ntop(): struct pd_inet, in BPF memory */
	TY_CGROUP_PATH, /* cgroup_path(id): u64 id + the filter's format in fmt_id */
	TY_USERNAME, /* username: u64 uid, named by user space */
	TY_BUF, /* buf(p, n): u32 length, then the bytes (size - 4 of them) */
	TY_KIND__COUNT,
};

/* Which values of one kind may share a storage slot (a map, a local). */
enum ty_compat {
	TY_COMPAT_KIND, /* any two of the kind: integers of any width, strings of any size */
	TY_COMPAT_ELEMS, /* element by element (tuples) */
	TY_COMPAT_EQUAL, /* only equal types (ty_equal) */
};

/* What storing a value of the kind in a map or a local makes of it. */
enum ty_store {
	TY_STORE_NONE, /* cannot be stored */
	TY_STORE_AS_IS, /* stored as typed */
	TY_STORE_WIDEN, /* integers become 8 bytes, signedness kept */
	TY_STORE_STRLEN, /* strings become the configured string length (or stay longer) */
	TY_STORE_ELEMS, /* each element normalised, then laid out again */
};

/* What the type's equality compares beside the kind (ty_equal). */
enum ty_shape {
	TY_SHAPE_KIND, /* nothing: the kind says it all */
	TY_SHAPE_SCALAR, /* size and signedness */
	TY_SHAPE_LHIST, /* lhist's min, max and step */
	TY_SHAPE_ELEM, /* the element type (pointers) */
	TY_SHAPE_ARRAY, /* element type and count */
	TY_SHAPE_RECORD, /* the BTF id, or the name of a script type */
	TY_SHAPE_FIELDS, /* each field's type (tuples) */
	TY_SHAPE_STACK, /* the stack mode and map (kind and depth) */
};

#define TY_F_AGG 1 /* made by an aggregation call: only ever the type of an AST_MAP */
#define TY_F_MEMORY 2 /* lives in memory and is copied as bytes (records, arrays) */
#define TY_F_FMT 4 /* the program description carries the format fmt_id names */

/* Everything about a value kind the stages after parsing dispatch on: one row per
 * TY_* (ty_kinds[], src/sema/types.c). */
struct ty_kind_desc {
	const char *name; /* user-facing name when it does not depend on the contents */
	enum pd_kind pd[2]; /* how the runtime renders it: [0] unsigned, [1] signed */
	uint32_t pd_size; /* its size in the program description; 0: the type's size */
	enum pd_map_kind map; /* TY_F_AGG: the kind of map it makes */
	enum ty_compat compat;
	enum ty_store store;
	enum ty_shape shape;
	unsigned flags; /* TY_F_* */
};

extern const struct ty_kind_desc ty_kinds[TY_KIND__COUNT];

struct ty_enumerator {
	const char *name;
	int64_t value;
};

struct ty_field {
	const char *name;
	struct type *type;
	int offset; /* bytes from the start of the record/tuple */
	int bit_offset; /* within the byte at offset, for bitfields */
	int bit_size; /* 0 unless a bitfield */
	bool data_loc; /* tracepoint __data_loc field: the u32 at offset holds the data's offset
			* from ctx in its low 16 bits and its length in the high 16 bits */
};

struct type {
	enum ty_kind kind;
	int size; /* bytes as stored in BPF memory */
	int align; /* bytes */
	bool is_signed; /* TY_INT, TY_SUM/MIN/MAX/AVG/STATS of signed input */
	bool as_user; /* TY_PTR: points into user memory */
	struct type *elem; /* TY_PTR, TY_ARRAY */
	int nelem; /* TY_ARRAY */
	const char *name; /* TY_RECORD: "struct task_struct"; typedef name if any */
	int btf_id; /* kernel BTF type id for TY_RECORD (and TY_PTR elems), 0 if none */
	VEC(struct ty_field) fields; /* TY_RECORD, TY_TUPLE */
	int64_t lhist_min, lhist_max, lhist_step; /* TY_LHIST */
	int fmt_id; /* TY_TIMESTAMP: pd_prog.fmts index holding the strftime format */
	int stack_mode; /* TY_KSTACK, TY_USTACK: enum pd_stack_mode */
	int stack_map; /* TY_KSTACK, TY_USTACK: pd_prog.stackmaps index (kind and depth) */
	VEC(struct ty_enumerator) enumerators; /* TY_INT of an enum type (%s prints names) */
};

/* Constructors: each returns a type owned by the arena (shared for scalars), or NULL. */
struct type *ty_error(void);
struct type *ty_none(void);
struct type *ty_int(int size, bool is_signed);
struct type *ty_str(struct arena *a, int size);
struct type *ty_ptr(struct arena *a, struct type *elem, bool as_user);
struct type *ty_array(struct arena *a, struct type *elem, int nelem);
/* A tuple of n element types laid out with C alignment. */
struct type *ty_tuple(struct arena *a, struct type **elems, int n);
struct type *ty_new(struct arena *a, enum ty_kind kind); /* other kinds; fill in fields */
/* An integer of an enum type named name ("enum level"), without enumerators yet. */
struct type *ty_enum(struct arena *a, const char *name, int size, bool is_signed);
/* t resized to size bytes (its enumerators kept); scalars stay shared. NULL on ENOMEM. */
struct type *ty_int_resize(struct arena *a, const struct type *t, int size);
/* Appends src's fields to dst's, offset bytes further: how the members of an anonymous
 * struct or union become reachable by name from the parent. Returns 0 or -ENOMEM. */
int ty_add_fields(struct arena *a, struct type *dst, const struct type *src, int offset);

/* The row of t's kind (TY_ERROR's for NULL). */
const struct ty_kind_desc *ty_desc(const struct type *t);
/* How the runtime renders t: its row's pd kind, PD_ENUM for an enum's integer. */
enum pd_kind ty_pd_kind(const struct type *t);
bool ty_is_integer(const struct type *t);
bool ty_is_aggregation(const struct type *t); /* TY_F_AGG */
bool ty_is_error(const struct type *t);
/* Same shape: kinds, sizes, signedness and fields (strings of any size compare equal). */
bool ty_equal(const struct type *a, const struct type *b);
/* Writes a user-facing name ("uint64", "string[64]", "struct task_struct *", "count()")
 * into buf and returns buf. */
const char *ty_name(const struct type *t, char *buf, int len);

#endif
