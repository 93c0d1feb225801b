/* Type checking (sema_typecheck): statements, locals and maps. Maps may be read in a probe
 * written before the one that assigns them, so quiet pre-passes define every map first and a
 * final pass reports. Expressions are in tc_expr.c, functions in tc_call.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tc.h"

/* Big stored values live in per-CPU scratch maps (src/codegen/scratch.c), whose values
 * the kernel allocates per CPU (32 KiB at most, for all a statement needs at once). */
#define TC_MAX_STORED 8192

/* Values that can share storage (the kind's compat rule): integers of any width and sign,
 * strings of any size, tuples element by element, the rendered kinds only when equal. */
static bool compatible(const struct type *a, const struct type *b)
{
	if (a->kind != b->kind)
		return false;
	switch (ty_desc(a)->compat) {
	case TY_COMPAT_KIND:
		return true;
	case TY_COMPAT_ELEMS:
		if (a->fields.len != b->fields.len)
			return false;
		for (int i = 0; i < a->fields.len; i++)
			if (!compatible(a->fields.v[i].type, b->fields.v[i].type))
				return false;
		return true;
	case TY_COMPAT_EQUAL:
		return ty_equal(a, b);
	}
	return false;
}

static struct type *storage_of(struct checker *ck, struct type *t)
{
	struct arena *a = &ck->c->arena;
	switch (ty_desc(t)->store) {
	case TY_STORE_WIDEN:
		return ty_int_resize(a, t, 8);
	case TY_STORE_STRLEN:
		/* `probe` and `func` may be longer than strlen: they keep every byte */
		return ty_str(a, t->size > ck->c->opts.strlen ? t->size : ck->c->opts.strlen);
	case TY_STORE_ELEMS: {
		struct type *elems[t->fields.len > 0 ? t->fields.len : 1];
		for (int i = 0; i < t->fields.len; i++) {
			elems[i] = storage_of(ck, t->fields.v[i].type);
			if (!elems[i])
				return NULL;
		}
		return ty_tuple(a, elems, t->fields.len);
	}
	case TY_STORE_AS_IS:
		return t;
	case TY_STORE_NONE:
		return NULL;
	}
	return NULL;
}

struct type *tc_storage(struct checker *ck, struct type *t, const struct src_loc *loc,
			const char *what)
{
	if (ty_is_error(t))
		return NULL;
	if (t->kind == TY_RECORD)
		kbtf_complete(t);
	struct type *s = storage_of(ck, t);
	if (!s && t->kind != TY_ERROR)
		tc_error(ck, loc, "cannot store a value of type %s in a %s", tc_tyname(t), what);
	if (s && ty_desc(s)->flags & TY_F_MEMORY && s->size > TC_MAX_STORED) {
		tc_error(ck, loc, "cannot store %s (%d bytes) in a %s: at most %d bytes can be "
			 "stored", tc_tyname(s), s->size, what, TC_MAX_STORED);
		return NULL;
	}
	return s;
}

/* FNV-1a */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot that holds name, or the empty one where it would go. */
static struct tc_map **map_slot(struct tc_map **slots, uint32_t nslots, const char *name)
{
	uint32_t i = name_hash(name) & (nslots - 1);
	while (slots[i] && strcmp(slots[i]->name, name) != 0)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

struct tc_map *tc_find_map(struct checker *ck, const char *name)
{
	return ck->map_nslots ? *map_slot(ck->map_slots, ck->map_nslots, name) : NULL;
}

/* Adds m (a name not yet there) to the index; returns 0 or -ENOMEM. */
static int index_map(struct checker *ck, struct tc_map *m)
{
	if ((uint32_t)ck->maps.len * 2 > ck->map_nslots) {
		uint32_t n = ck->map_nslots ? ck->map_nslots * 2 : 64;
		struct tc_map **slots = arena_alloc(&ck->c->arena, n * sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (int i = 0; i < ck->maps.len; i++)
			if (ck->maps.v[i] != m)
				*map_slot(slots, n, ck->maps.v[i]->name) = ck->maps.v[i];
		ck->map_slots = slots;
		ck->map_nslots = n;
	}
	*map_slot(ck->map_slots, ck->map_nslots, m->name) = m;
	return 0;
}

static struct tc_map *new_map(struct checker *ck, const struct ast_node *n, struct type *key,
			      struct type *value)
{
	struct compiler *c = ck->c;
	struct tc_map *m = arena_alloc(&c->arena, sizeof(*m));
	struct pd_map pm = { 0 };
	if (!m || vec_push(&c->arena, &ck->maps, m)) {
		ck->nomem = true;
		return NULL;
	}
	m->name = n->map.name;
	if (index_map(ck, m)) {
		ck->nomem = true;
		return NULL;
	}
	m->id = c->pd->maps.len;
	m->key = key;
	m->nkeys = n->map.keys.len;
	m->value = value;
	m->first = n->loc;
	pm.name = arena_strdup(&c->pd->arena, n->map.name);
	pm.sym = arena_sprintf(&c->pd->arena, "m%d", m->id);
	if (!pm.name || !pm.sym || vec_push(&c->pd->arena, &c->pd->maps, pm)) {
		ck->nomem = true;
		return NULL;
	}
	ck->grew = true;
	return m;
}

/* Types the keys of n and returns the tuple of their storage types (NULL on error). */
static struct type *key_tuple(struct checker *ck, struct ast_node *n)
{
	int nk = n->map.keys.len;
	struct type *elems[nk > 0 ? nk : 1];
	bool ok = true;
	for (int i = 0; i < nk; i++) {
		struct ast_node *k = n->map.keys.v[i];
		struct type *t = tc_expr(ck, k);
		elems[i] = tc_storage(ck, t, &k->loc, "map key");
		if (!elems[i])
			ok = false;
	}
	if (!ok)
		return NULL;
	struct type *t = ty_tuple(&ck->c->arena, elems, nk);
	if (!t)
		ck->nomem = true;
	return t;
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/* Compares keys with the map's; reports at n. */
static bool check_keys(struct checker *ck, struct tc_map *m, struct ast_node *n,
		       struct type *key)
{
	if (n->map.keys.len != m->nkeys) {
		tc_error(ck, &n->loc, "%s used with %d key%s here, but it was first used with %d",
			 m->name, n->map.keys.len, plural(n->map.keys.len), m->nkeys);
		tc_note(ck, &m->first, "%s was first used here", m->name);
		return false;
	}
	if (!compatible(key, m->key)) {
		const struct type *k1 = m->nkeys == 1 ? key->fields.v[0].type : key;
		const struct type *k2 = m->nkeys == 1 ? m->key->fields.v[0].type : m->key;
		tc_error(ck, &n->loc, "key type mismatch for %s: %s given, %s expected", m->name,
			 tc_tyname(k1), tc_tyname(k2));
		tc_note(ck, &m->first, "%s was first used with key %s here", m->name,
			tc_tyname(k2));
		return false;
	}
	return true;
}

/* A map whose defining use was already reported is not "undefined" at its reads. */
static bool poisoned(struct checker *ck, const char *name)
{
	for (int i = 0; i < ck->poisoned.len; i++)
		if (strcmp(ck->poisoned.v[i], name) == 0)
			return true;
	return false;
}

static void poison(struct checker *ck, const char *name)
{
	if (!poisoned(ck, name) && vec_push(&ck->c->arena, &ck->poisoned, name))
		ck->nomem = true;
}

struct tc_map *tc_use_map(struct checker *ck, struct ast_node *n, struct type *value,
			  bool define)
{
	struct type *key = key_tuple(ck, n);
	struct tc_map *m = tc_find_map(ck, n->map.name);
	n->ty = ty_error();
	if (!m) {
		if (!define) {
			if (!poisoned(ck, n->map.name))
				tc_error(ck, &n->loc, "undefined map '%s'", n->map.name);
			return NULL;
		}
		if (!key || !value || ty_is_error(value)) {
			poison(ck, n->map.name);
			return NULL;
		}
		m = new_map(ck, n, key, value);
		if (!m)
			return NULL;
	}
	n->map.map_id = m->id;
	if (!key || !check_keys(ck, m, n, key))
		return NULL;
	/* The defining use is typed again in the final pass, where formats get their ids
	 * (a strftime() value made during a quiet pass has none). */
	if (!ck->quiet && value && !ty_is_error(value) && tc_same_loc(&n->loc, &m->first) &&
	    compatible(value, m->value)) {
		m->value = value;
		m->key = key;
	}
	if (value && !ty_is_error(value) && !compatible(value, m->value)) {
		tc_error(ck, &n->loc, "type mismatch for %s: cannot assign %s to a map of %s",
			 m->name, tc_tyname(value), tc_tyname(m->value));
		tc_note(ck, &m->first, "%s was first used as %s here", m->name,
			tc_tyname(m->value));
		return NULL;
	}
	if (value && ty_is_error(value))
		return NULL;
	n->ty = m->value;
	return m;
}

struct tc_map *tc_map_ref(struct checker *ck, struct ast_node *n)
{
	struct tc_map *m = tc_find_map(ck, n->map.name);
	n->ty = ty_error();
	if (!m) {
		if (!poisoned(ck, n->map.name))
			tc_error(ck, &n->loc, "undefined map '%s'", n->map.name);
		return NULL;
	}
	n->map.map_id = m->id;
	n->ty = m->value;
	return m;
}

/* ---- locals ---- */

static struct sema_var *find_var(struct checker *ck, const char *name)
{
	for (int i = 0; i < ck->sp->vars.len; i++)
		if (strcmp(ck->sp->vars.v[i]->name, name) == 0)
			return ck->sp->vars.v[i];
	return NULL;
}

static struct sema_var *new_var(struct checker *ck, struct ast_node *n, struct type *ty)
{
	struct sema_var *v = arena_alloc(&ck->c->arena, sizeof(*v));
	if (!v || vec_push(&ck->c->arena, &ck->sp->vars, v)) {
		ck->nomem = true;
		return NULL;
	}
	v->name = n->var.name;
	v->ty = ty;
	v->id = ck->sp->vars.len - 1;
	v->decl = n->loc;
	return v;
}

/* Assigns a value of type t to the local n ($x = ...), declaring it on first use. */
static void assign_var(struct checker *ck, struct ast_node *n, struct type *t)
{
	struct type *st = tc_storage(ck, t, &n->loc, "variable");
	struct sema_var *v = find_var(ck, n->var.name);
	n->ty = ty_error();
	if (!v) {
		/* a bad first assignment still declares $x, so its reads stay quiet */
		v = new_var(ck, n, st ? st : ty_error());
		if (!v || !st)
			return;
	} else if (!v->ty || ty_is_error(v->ty)) {
		if (!st)
			return;
		v->ty = st;
	} else if (st && !compatible(st, v->ty)) {
		tc_error(ck, &n->loc, "type mismatch for $%s: cannot assign %s to a variable of type %s",
			 v->name, tc_tyname(t), tc_tyname(v->ty));
		tc_note(ck, &v->decl, "$%s was first assigned here", v->name);
		return;
	}
	n->var.var = v;
	n->ty = st ? v->ty : ty_error();
}

struct sema_var *tc_lookup_var(struct checker *ck, struct ast_node *n)
{
	struct sema_var *v = find_var(ck, n->var.name);
	if (!v || !v->ty) {
		tc_error(ck, &n->loc, "undefined variable '$%s'", n->var.name);
		struct sema_suggest s;
		sema_suggest_init(&s, n->var.name);
		for (int i = 0; i < ck->sp->vars.len; i++)
			if (ck->sp->vars.v[i]->ty)
				sema_suggest_add(&s, ck->sp->vars.v[i]->name);
		if (sema_suggest_best(&s))
			tc_note(ck, &n->loc, "did you mean '$%s'?", sema_suggest_best(&s));
		n->ty = ty_error();
		return NULL;
	}
	n->var.var = v;
	n->ty = v->ty;
	return v;
}

static void check_let(struct checker *ck, struct ast_node *n)
{
	struct ast_node *var = n->let.var;
	struct type *decl = NULL;
	if (find_var(ck, var->var.name)) {
		tc_error(ck, &var->loc, "variable '$%s' is already declared", var->var.name);
		tc_note(ck, &find_var(ck, var->var.name)->decl, "$%s was first declared here",
			var->var.name);
		var->ty = ty_error();
		return;
	}
	if (n->let.type) {
		decl = tc_typename(ck, n->let.type);
		if (!decl) {
			var->ty = ty_error();
			return;
		}
		decl = tc_storage(ck, decl, &n->let.type->loc, "variable");
		if (!decl) {
			var->ty = ty_error();
			return;
		}
	}
	struct sema_var *v = new_var(ck, var, decl);
	if (!v)
		return;
	var->var.var = v;
	var->ty = decl ? decl : ty_none();
	if (n->let.init)
		assign_var(ck, var, tc_expr(ck, n->let.init));
}

/* ---- statements ---- */

static void check_stmt(struct checker *ck, struct ast_node *n);

static void check_block(struct checker *ck, struct ast_node *n)
{
	if (!n)
		return;
	if (n->kind != AST_BLOCK) {
		check_stmt(ck, n);
		return;
	}
	for (int i = 0; i < n->block.stmts.len; i++)
		check_stmt(ck, n->block.stmts.v[i]);
}

static void check_map_assign(struct checker *ck, struct ast_node *n)
{
	struct ast_node *lhs = n->assign.lhs, *rhs = n->assign.rhs;
	if (n->assign.op == OP_NONE && tc_is_aggregation_call(rhs)) {
		tc_use_map(ck, lhs, tc_call(ck, rhs, true), true);
		return;
	}
	struct type *t = tc_expr(ck, rhs);
	if (n->assign.op != OP_NONE) {
		if (!ty_is_error(t) && !ty_is_integer(t)) {
			tc_error(ck, &rhs->loc, "'%s=' needs an integer, got %s",
				 ast_op_str(n->assign.op), tc_tyname(t));
			t = ty_error();
		}
		struct tc_map *m = tc_use_map(ck, lhs, ty_is_error(t) ? t : ty_int(8, true), true);
		(void)m;
		return;
	}
	tc_use_map(ck, lhs, tc_storage(ck, t, &rhs->loc, "map"), true);
	if (ty_is_error(lhs->ty))
		return;
}

static void check_var_assign(struct checker *ck, struct ast_node *n)
{
	struct ast_node *lhs = n->assign.lhs, *rhs = n->assign.rhs;
	if (tc_is_aggregation_call(rhs)) {
		tc_call(ck, rhs, false);
		lhs->ty = ty_error();
		return;
	}
	struct type *t = tc_expr(ck, rhs);
	if (n->assign.op == OP_NONE) {
		assign_var(ck, lhs, t);
		return;
	}
	struct sema_var *v = tc_lookup_var(ck, lhs);
	if (!v || ty_is_error(t) || ty_is_error(v->ty))
		return;
	if (!ty_is_integer(v->ty) || !ty_is_integer(t)) {
		tc_error(ck, &n->loc, "'%s=' needs integers, got %s and %s",
			 ast_op_str(n->assign.op), tc_tyname(v->ty), tc_tyname(t));
		lhs->ty = ty_error();
	}
}

static void check_assign(struct checker *ck, struct ast_node *n)
{
	n->ty = ty_none();
	if (n->assign.lhs->kind == AST_MAP)
		check_map_assign(ck, n);
	else if (n->assign.lhs->kind == AST_VAR)
		check_var_assign(ck, n);
	else
		tc_error(ck, &n->assign.lhs->loc, "cannot assign to this expression");
}

static void check_unroll(struct checker *ck, struct ast_node *n)
{
	int64_t count;
	struct ast_node *cnt = n->loop.count;
	if (cnt)
		tc_expr(ck, cnt);
	if (!cnt || !tc_const_int(cnt, &count))
		tc_error(ck, cnt ? &cnt->loc : &n->loc, "unroll count must be an integer literal");
	else if (count < 1)
		tc_error(ck, &cnt->loc, "unroll count must be at least 1, got %lld",
			 (long long)count);
	else if (count > 100)
		tc_error(ck, &cnt->loc, "unroll count must be at most 100, got %lld",
			 (long long)count);
	ck->loops++;
	check_block(ck, n->loop.body);
	ck->loops--;
}

static void check_for_range(struct checker *ck, struct ast_node *n)
{
	struct type *lo = tc_expr(ck, n->for_.lo);
	struct type *hi = tc_expr(ck, n->for_.hi);
	if (!ty_is_error(lo) && !ty_is_integer(lo))
		tc_error(ck, &n->for_.lo->loc, "range bounds must be integers, got %s", tc_tyname(lo));
	if (!ty_is_error(hi) && !ty_is_integer(hi))
		tc_error(ck, &n->for_.hi->loc, "range bounds must be integers, got %s", tc_tyname(hi));
	assign_var(ck, n->for_.var, ty_int(8, true));
	ck->loops++;
	check_block(ck, n->for_.body);
	ck->loops--;
}

/* for ($kv : @m): $kv is (key, value), the key a tuple when the map has several. */
static void check_for_map(struct checker *ck, struct ast_node *n)
{
	struct ast_node *mn = n->for_.map;
	struct tc_map *m = tc_map_ref(ck, mn);
	struct type *kv = ty_error();
	if (m && ty_is_aggregation(m->value)) {
		tc_error(ck, &mn->loc,
			 "cannot iterate over %s: it holds per-CPU %s values, which can only be "
			 "printed",
			 m->name, tc_tyname(m->value));
	} else if (m && m->nkeys == 0) {
		tc_error(ck, &mn->loc, "cannot iterate over %s: it has no keys", m->name);
	} else if (m) {
		struct type *elems[2] = { m->nkeys == 1 ? m->key->fields.v[0].type : m->key,
					  m->value };
		kv = ty_tuple(&ck->c->arena, elems, 2);
		if (!kv) {
			ck->nomem = true;
			kv = ty_error();
		}
	}
	if (!ty_is_error(kv))
		assign_var(ck, n->for_.var, kv);
	else
		n->for_.var->ty = kv;
	ck->loops++;
	check_block(ck, n->for_.body);
	ck->loops--;
}

/* An expression used as a statement: its value is dropped. */
static void check_value_stmt(struct checker *ck, struct ast_node *e)
{
	if (e->kind == AST_CALL)
		tc_call(ck, e, false);
	else
		tc_expr(ck, e);
}

static void check_while(struct checker *ck, struct ast_node *n)
{
	tc_check_cond(ck, n->loop.cond);
	ck->loops++;
	check_block(ck, n->loop.body);
	ck->loops--;
}

static void check_jump(struct checker *ck, struct ast_node *n)
{
	if (!ck->loops)
		tc_error(ck, &n->loc, "'%s' outside of a loop",
			 n->kind == AST_BREAK ? "break" : "continue");
}

static void check_stmt(struct checker *ck, struct ast_node *n)
{
	switch (n->kind) {
	case AST_BLOCK:
		check_block(ck, n);
		break;
	case AST_EXPR_STMT:
		check_value_stmt(ck, n->expr_stmt.expr);
		break;
	case AST_ASSIGN:
		check_assign(ck, n);
		break;
	case AST_LET:
		check_let(ck, n);
		break;
	case AST_IF:
		tc_check_cond(ck, n->if_.cond);
		check_block(ck, n->if_.then);
		check_block(ck, n->if_.otherwise);
		break;
	case AST_WHILE:
		check_while(ck, n);
		break;
	case AST_UNROLL:
		check_unroll(ck, n);
		break;
	case AST_FOR_RANGE:
		check_for_range(ck, n);
		break;
	case AST_FOR_MAP:
		check_for_map(ck, n);
		break;
	case AST_BREAK:
	case AST_CONTINUE:
		check_jump(ck, n);
		break;
	case AST_RETURN:
		break;
	case AST_PROGRAM:
	case AST_PROBE:
	case AST_ATTACH:
	case AST_INT:
	case AST_STR:
	case AST_BUILTIN:
	case AST_POSPARAM:
	case AST_VAR:
	case AST_MAP:
	case AST_CALL:
	case AST_BINOP:
	case AST_UNOP:
	case AST_INCDEC:
	case AST_TERNARY:
	case AST_CAST:
	case AST_FIELD:
	case AST_INDEX:
	case AST_TUPLE:
	case AST_TUPLE_GET:
	case AST_SIZEOF:
	case AST_TYPENAME:
		/* an expression where a statement belongs: type it all the same */
		check_value_stmt(ck, n);
		break;
	}
}

static void check_probe(struct checker *ck, struct ast_node *p)
{
	ck->probe = p;
	ck->sp = p->probe.sp;
	ck->pp = &ck->c->pd->probes.v[ck->sp->pd_index];
	ck->sp->vars.len = 0;
	ck->loops = 0;
	if (p->probe.pred)
		tc_check_cond(ck, p->probe.pred);
	check_block(ck, p->probe.body);
}

static void check_all(struct checker *ck)
{
	ast_list *probes = &ck->c->ast->program.probes;
	for (int i = 0; i < probes->len; i++)
		if (probes->v[i]->probe.sp)
			check_probe(ck, probes->v[i]);
}

/* Every map node gets its map's final key type: the defining use may come after a read. */
static int set_key_type(struct ast_node *n, void *ctx)
{
	struct checker *ck = ctx;
	if (n->kind == AST_MAP && n->map.map_id >= 0 && n->map.map_id < ck->maps.len)
		n->map.key_ty = ck->maps.v[n->map.map_id]->key;
	return 0;
}

int sema_typecheck(struct compiler *c)
{
	struct checker ck = { .c = c };
	if (!c->ast)
		return -EINVAL;
	if (tc_cdefs(&ck))
		return -ENOMEM;
	/* Quiet passes until no new map appears (a fixpoint: `@a = @b` may come before @b's
	 * assignment, in chains of any length); each pass but the last defines a map, and
	 * maps are never undefined, so this ends within one pass per map name. */
	do {
		ck.quiet = true;
		ck.grew = false;
		check_all(&ck);
	} while (ck.grew && !ck.nomem);
	ck.quiet = false;
	if (!ck.nomem)
		check_all(&ck);
	if (ck.nomem)
		return -ENOMEM;
	if (diag_errors(&c->diag))
		return -EINVAL;
	ast_walk(c->ast, NULL, set_key_type, &ck);
	int err = sema_share_programs(c);
	if (!err)
		err = sema_merge_points(c);
	return err ? err : tc_layout_maps(&ck);
}
