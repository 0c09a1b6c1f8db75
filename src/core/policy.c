/*
 * policy.c — parsing and layering reckon's policy document (see policy.h).
 * It parses text it is given: reading the file is the caller's (the CLI's
 * policy_file.c), so the core stays free of I/O.
 *
 * One table (RULE_KEYS) describes every rule key: its JSON name, where it
 * lives in struct policy_rule, how it is read, which values are allowed, its
 * built-in default (written as in the file, and checked like a file's value)
 * and whether a running process may take a new value on reload.
 * Parsing reads each level (defaults, venue, symbol) into a partial rule
 * that remembers which keys were set; the effective rules are then built by
 * layering defaults <- venue <- symbol, so the order of keys in the file does
 * not matter. Every effective rule is computed once at load time, which is
 * why policy_for can hand out borrowed pointers.
 *
 * The document is parsed by jsonin, so every number keeps the text of its
 * literal: amounts and whole numbers are read from the digits the user wrote
 * (jsonin_node_dec; at most 15 significant digits for a JSON number, else the
 * error asks for a string). Nothing here passes through a double.
 */
#include "policy.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonin.h"
#include "rk_array.h"
#include "rk_buf.h"

#define POLICY_VENUES (VENUE_SIM + 1) /* indexable by enum venue_kind */
#define PATH_MAX_LEN 256

/* How a key's value is read and checked. */
enum key_kind {
	KEY_PCT,        /* decimal in (0, 100) */
	KEY_POS,        /* decimal > 0 */
	KEY_NONNEG,     /* decimal >= 0 */
	KEY_INT_NONNEG, /* integer >= 0 */
	KEY_INT_POS,    /* integer >= 1 */
	KEY_ENUM        /* one of `names`, stored as its index */
};

struct rule_key {
	const char *name;
	enum key_kind kind;
	size_t offset;          /* of the value inside struct policy_rule */
	size_t size;            /* of the value */
	ptrdiff_t has_offset;   /* of the bool saying "set", -1 when always set */
	const char *const *names; /* KEY_ENUM: NULL-terminated spellings */
	bool per_venue;         /* not allowed in a symbol rule */
	int max;                /* KEY_INT_*: largest allowed value, 0 = no limit */
	const char *def;        /* built-in default as written in the file; NULL: absent */
	bool reloadable;        /* a running process may take a new value (policy.h) */
};

static const char *const STOP_REF_NAMES[] = {"entry", "last", NULL};
static const char *const FAR_NAMES[] = {"stop_from_last", "exit_now", NULL};
static const char *const STYLE_NAMES[] = {"stop", "bracket", NULL};
static const char *const ORPHAN_NAMES[] = {"adopt", "cancel", "report", NULL};
static const char *const TRIGGER_NAMES[] = {"emergency_close", "reprice", NULL};
static const char *const PROTECT_FAIL_NAMES[] = {"emergency_close", "alert", NULL};

/* KEY_ENUM values are stored by copying an int index into the enum field. */
_Static_assert(sizeof(enum stop_ref) == sizeof(int) && sizeof(enum far_choice) == sizeof(int) &&
		       sizeof(enum protect_style) == sizeof(int) &&
		       sizeof(enum orphan_choice) == sizeof(int) &&
		       sizeof(enum trigger_choice) == sizeof(int) &&
		       sizeof(enum protect_failure) == sizeof(int),
	       "policy enums must be int-sized");

#define FIELD(f) offsetof(struct policy_rule, f), sizeof(((struct policy_rule *)0)->f)
#define HAS(f) (ptrdiff_t) offsetof(struct policy_rule, f)

/* Reloadable: read afresh by every pass, so a daemon may swap them in between
 * passes. Fixed: bound when a venue is opened, so a change needs a restart
 * (config/README.md, "Reloading"). */
#define RELOAD true
#define FIXED false

static const struct rule_key RULE_KEYS[] = {
	{"stop_pct", KEY_PCT, FIELD(stop_pct), -1, NULL, false, 0, "5", RELOAD},
	{"stop_from", KEY_ENUM, FIELD(stop_ref), -1, STOP_REF_NAMES, false, 0, "entry", RELOAD},
	{"past_stop", KEY_ENUM, FIELD(far), -1, FAR_NAMES, false, 0, "stop_from_last", RELOAD},
	{"take_profit_pct", KEY_POS, FIELD(take_profit_pct), HAS(has_take_profit), NULL, false, 0,
	 NULL, RELOAD},
	{"hard_stop_pct", KEY_POS, FIELD(hard_stop_pct), HAS(has_hard_stop), NULL, false, 0, NULL,
	 RELOAD},
	{"protect", KEY_ENUM, FIELD(style), -1, STYLE_NAMES, false, 0, "stop", RELOAD},
	{"orphans", KEY_ENUM, FIELD(orphans), -1, ORPHAN_NAMES, false, 0, "adopt", RELOAD},
	{"would_trigger", KEY_ENUM, FIELD(on_trigger), -1, TRIGGER_NAMES, false, 0,
	 "emergency_close", RELOAD},
	{"reprice_buffer_pct", KEY_PCT, FIELD(reprice_buffer_pct), -1, NULL, false, 0, "1", RELOAD},
	/* Bounded: a pass must end, and must not sit on a refused stop for long. */
	{"reprice_max_attempts", KEY_INT_NONNEG, FIELD(reprice_max_attempts), -1, NULL, false, 10,
	 "2", RELOAD},
	{"on_protect_failure", KEY_ENUM, FIELD(on_protect_failure), -1, PROTECT_FAIL_NAMES, false, 0,
	 "emergency_close", RELOAD},
	{"protect_retries", KEY_INT_NONNEG, FIELD(protect_retries), -1, NULL, false, 10, "2",
	 RELOAD},
	{"protect_retry_backoff_ms", KEY_INT_NONNEG, FIELD(protect_retry_backoff_ms), -1, NULL, false,
	 60000, "500", RELOAD},
	{"dust_notional", KEY_NONNEG, FIELD(dust_notional), -1, NULL, false, 0, "1", RELOAD},
	{"stale_quiet_seconds", KEY_INT_NONNEG, FIELD(stale_quiet_seconds), -1, NULL, false, 0, "60",
	 RELOAD},
	{"stale_min_passes", KEY_INT_POS, FIELD(stale_min_passes), -1, NULL, false, 0, "2", RELOAD},
	/* A pass covers a whole venue account, so its breaker cannot vary by symbol.
	 * Reloadable: the hour's count comes from the journal, not from memory. */
	{"max_destructive_per_pass", KEY_INT_NONNEG, FIELD(breaker_per_pass), -1, NULL, true, 0,
	 "20", RELOAD},
	{"max_destructive_per_hour", KEY_INT_NONNEG, FIELD(breaker_per_hour), -1, NULL, true, 0,
	 "100", RELOAD},
	/* Fills are listed per venue account; Binance keeps about 180 days. Fixed:
	 * the venue is opened with it (its first fill cursor). */
	{"fill_lookback_hours", KEY_INT_POS, FIELD(fill_lookback_hours), -1, NULL, true, 180 * 24,
	 "168", FIXED},
};
#define NKEYS (sizeof RULE_KEYS / sizeof RULE_KEYS[0])
_Static_assert(NKEYS <= 32, "partial_rule.set has one bit per key");

/* A rule as written at one level: `set` has bit i for RULE_KEYS[i]. */
struct partial_rule {
	struct policy_rule r;
	unsigned set;
};

struct symbol_rule {
	enum venue_kind venue;
	char symbol[MODEL_SYM_MAX];
	struct policy_rule rule; /* effective: defaults <- venue <- symbol */
};

struct policy {
	struct policy_rule venue_rule[POLICY_VENUES]; /* effective: defaults <- venue */
	struct symbol_rule *symbols;
	size_t nsymbols, symcap;
};

/* Copies every key set in `p` onto `dst`. */
static void rule_apply(struct policy_rule *dst, const struct partial_rule *p)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct rule_key *k = &RULE_KEYS[i];
		if (!(p->set & (1u << i)))
			continue;
		memcpy((char *)dst + k->offset, (const char *)&p->r + k->offset, k->size);
		if (k->has_offset >= 0)
			memcpy((char *)dst + k->has_offset, (const char *)&p->r + k->has_offset,
			       sizeof(bool));
	}
}

/* ---- reading values ----------------------------------------------------- */

static enum rk_rc read_dec(const cJSON *v, const char *path, struct dec *out,
			   struct rk_err *err)
{
	if (jsonin_node_dec(v, out, err) == RK_OK)
		return RK_OK;
	err->rc = RK_ECONFIG;
	return rk_err_prefix(err, "%s", path);
}

/* A whole number from its literal's digits ("60", "-3"; no fraction or
 * exponent), within int range. */
static enum rk_rc read_int_text(const char *t, const char *path, int min, int max, int *out,
				struct rk_err *err)
{
	int64_t n = 0;
	if (!t || !jsonin_int_text(t, strlen(t), &n) || n > INT_MAX || n < INT_MIN)
		return rk_err_set(err, RK_ECONFIG, "%s: must be a whole number", path);
	if (n < min)
		return rk_err_set(err, RK_ECONFIG, "%s: must be >= %d", path, min);
	if (max > 0 && n > max)
		return rk_err_set(err, RK_ECONFIG, "%s: must be <= %d", path, max);
	*out = (int)n;
	return RK_OK;
}

static enum rk_rc read_int(const cJSON *v, const char *path, int min, int max, int *out,
			   struct rk_err *err)
{
	return read_int_text(jsonin_number_text(v), path, min, max, out, err);
}

static enum rk_rc read_enum_text(const char *s, const char *path, const char *const *names,
				 int *out, struct rk_err *err)
{
	char allowed[160] = "";
	for (int i = 0; names[i]; i++) {
		if (s && strcmp(s, names[i]) == 0) {
			*out = i;
			return RK_OK;
		}
		size_t n = strlen(allowed);
		rk_fmt(allowed + n, sizeof allowed - n, "%s\"%s\"", i ? ", " : "", names[i]);
	}
	return rk_err_set(err, RK_ECONFIG, "%s: must be one of %s", path, allowed);
}

static enum rk_rc read_enum(const cJSON *v, const char *path, const char *const *names,
			    int *out, struct rk_err *err)
{
	return read_enum_text(cJSON_IsString(v) ? v->valuestring : NULL, path, names, out, err);
}

/* Range check for decimal keys; `d` already parsed. */
static enum rk_rc check_dec(const struct rule_key *k, struct dec d, const char *path,
			    struct rk_err *err)
{
	int s = dec_sign(d);
	if (k->kind == KEY_PCT && (s <= 0 || dec_cmp(d, dec_from_int(100)) >= 0))
		return rk_err_set(err, RK_ECONFIG, "%s: must be greater than 0 and less than 100",
				  path);
	if (k->kind == KEY_POS && s <= 0)
		return rk_err_set(err, RK_ECONFIG, "%s: must be greater than 0", path);
	if (k->kind == KEY_NONNEG && s < 0)
		return rk_err_set(err, RK_ECONFIG, "%s: must not be negative", path);
	return RK_OK;
}

/* Reads one rule key's value into p (marking it set). */
static enum rk_rc read_key(const struct rule_key *k, size_t idx, const cJSON *v,
			   const char *path, struct partial_rule *p, struct rk_err *err)
{
	char *field = (char *)&p->r + k->offset;
	enum rk_rc rc = RK_OK;
	struct dec d;
	int i = 0;
	p->set |= 1u << idx;
	if (k->has_offset >= 0) {
		/* Optional amounts: null switches them off at this level. */
		bool on = !cJSON_IsNull(v);
		memcpy((char *)&p->r + k->has_offset, &on, sizeof on);
		if (!on)
			return RK_OK;
	}
	switch (k->kind) {
	case KEY_PCT:
	case KEY_POS:
	case KEY_NONNEG:
		if ((rc = read_dec(v, path, &d, err)) || (rc = check_dec(k, d, path, err)))
			return rc;
		memcpy(field, &d, sizeof d);
		break;
	case KEY_INT_NONNEG:
	case KEY_INT_POS:
		if ((rc = read_int(v, path, k->kind == KEY_INT_POS ? 1 : 0, k->max, &i, err)))
			return rc;
		memcpy(field, &i, sizeof i);
		break;
	case KEY_ENUM:
		if ((rc = read_enum(v, path, k->names, &i, err)))
			return rc;
		/* The enums of policy_rule are numbered like their names[]. */
		memcpy(field, &i, sizeof i);
		break;
	}
	return RK_OK;
}

/* Sets one key's built-in default (k->def, checked like a file's value). */
static enum rk_rc key_default(const struct rule_key *k, struct policy_rule *r, struct rk_err *err)
{
	char *field = (char *)r + k->offset;
	char path[PATH_MAX_LEN];
	enum rk_rc rc = RK_OK;
	struct dec d;
	int i = 0;
	if (!k->def)
		return RK_OK; /* absent: its has_* flag stays false */
	rk_fmt(path, sizeof path, "built-in default of %s", k->name);
	if (k->has_offset >= 0) {
		bool on = true;
		memcpy((char *)r + k->has_offset, &on, sizeof on);
	}
	switch (k->kind) {
	case KEY_PCT:
	case KEY_POS:
	case KEY_NONNEG:
		if (dec_parse_cstr(k->def, &d) != DEC_OK)
			return rk_err_set(err, RK_ECONFIG, "%s: not a decimal", path);
		if ((rc = check_dec(k, d, path, err)))
			return rc;
		memcpy(field, &d, sizeof d);
		break;
	case KEY_INT_NONNEG:
	case KEY_INT_POS:
		if ((rc = read_int_text(k->def, path, k->kind == KEY_INT_POS ? 1 : 0, k->max, &i, err)))
			return rc;
		memcpy(field, &i, sizeof i);
		break;
	case KEY_ENUM:
		if ((rc = read_enum_text(k->def, path, k->names, &i, err)))
			return rc;
		memcpy(field, &i, sizeof i);
		break;
	}
	return RK_OK;
}

/* The built-in rule: every key at its table default. */
static enum rk_rc rule_defaults(struct policy_rule *r, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < NKEYS && rc == RK_OK; i++)
		rc = key_default(&RULE_KEYS[i], r, err);
	return rc;
}

/* ---- walking the document ---------------------------------------------- */

static void path_join(char *out, const char *base, const char *name)
{
	rk_fmt(out, PATH_MAX_LEN, "%s%s%s", base, base[0] ? "." : "", name);
}

/* Refuses non-objects and duplicate member names (which one would count?). */
static enum rk_rc check_object(const cJSON *o, const char *path, struct rk_err *err)
{
	if (!cJSON_IsObject(o))
		return rk_err_set(err, RK_ECONFIG, "%s: must be an object", path[0] ? path : "(top)");
	for (const cJSON *a = o->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (strcmp(a->string, b->string) == 0)
				return rk_err_set(err, RK_ECONFIG, "%s%s%s: appears twice", path,
						  path[0] ? "." : "", a->string);
	return RK_OK;
}

static const struct rule_key *find_key(const char *name, size_t *idx)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(RULE_KEYS[i].name, name) == 0) {
			*idx = i;
			return &RULE_KEYS[i];
		}
	return NULL;
}

/*
 * Parses one rule object at `path`. Members named in `extra` (NULL-terminated,
 * may be NULL) are skipped for the caller to handle; anything else that is not
 * a rule key is an error, and so is a per-venue key in a symbol rule.
 */
static enum rk_rc parse_rule(const cJSON *o, const char *path, const char *const *extra,
			     bool symbol_level, struct partial_rule *p, struct rk_err *err)
{
	enum rk_rc rc = check_object(o, path, err);
	memset(p, 0, sizeof *p);
	for (const cJSON *m = o->child; m && rc == RK_OK; m = m->next) {
		char sub[PATH_MAX_LEN];
		size_t idx = 0;
		const struct rule_key *k = find_key(m->string, &idx);
		bool skip = false;
		for (size_t e = 0; extra && extra[e]; e++)
			skip = skip || strcmp(extra[e], m->string) == 0;
		path_join(sub, path, m->string);
		if (skip)
			continue;
		if (!k)
			rc = rk_err_set(err, RK_ECONFIG, "%s: unknown key", sub);
		else if (symbol_level && k->per_venue)
			rc = rk_err_set(err, RK_ECONFIG,
					"%s: only allowed in defaults or a venue, not per symbol", sub);
		else
			rc = read_key(k, idx, m, sub, p, err);
	}
	return rc;
}

static enum rk_rc add_symbol(struct policy *pol, enum venue_kind venue, const char *symbol,
			     const struct partial_rule *p, const char *path, struct rk_err *err)
{
	if (strlen(symbol) == 0 || strlen(symbol) >= MODEL_SYM_MAX)
		return rk_err_set(err, RK_ECONFIG, "%s: symbol must be 1 to %d characters", path,
				  MODEL_SYM_MAX - 1);
	if (!rk_array_reserve(&pol->symbols, &pol->symcap, pol->nsymbols + 1, sizeof *pol->symbols))
		return rk_err_set(err, RK_ENOMEM, "%s: out of memory", path);
	struct symbol_rule *s = &pol->symbols[pol->nsymbols++];
	memset(s, 0, sizeof *s);
	s->venue = venue;
	strcpy(s->symbol, symbol);
	s->rule = pol->venue_rule[venue];
	rule_apply(&s->rule, p);
	return RK_OK;
}

/* Parses venues.NAME after the defaults have been applied to venue_rule[]. */
static enum rk_rc parse_venue(struct policy *pol, const cJSON *o, const char *path,
			      struct rk_err *err)
{
	static const char *const extra[] = {"symbols", NULL};
	struct partial_rule p;
	enum venue_kind venue = venue_parse(o->string);
	if (venue == VENUE_UNKNOWN)
		return rk_err_set(err, RK_ECONFIG, "%s: unknown venue (coinbase, binance-usdm, sim)",
				  path);
	enum rk_rc rc = parse_rule(o, path, extra, false, &p, err);
	if (rc)
		return rc;
	rule_apply(&pol->venue_rule[venue], &p);

	const cJSON *syms = cJSON_GetObjectItemCaseSensitive(o, "symbols");
	if (!syms)
		return RK_OK;
	char spath[PATH_MAX_LEN];
	path_join(spath, path, "symbols");
	if ((rc = check_object(syms, spath, err)))
		return rc;
	for (const cJSON *s = syms->child; s && rc == RK_OK; s = s->next) {
		char sub[PATH_MAX_LEN];
		path_join(sub, spath, s->string);
		rc = parse_rule(s, sub, NULL, true, &p, err);
		if (rc == RK_OK)
			rc = add_symbol(pol, venue, s->string, &p, sub, err);
	}
	return rc;
}

static enum rk_rc parse_document(struct policy *pol, const cJSON *root, struct rk_err *err)
{
	enum rk_rc rc = check_object(root, "", err);
	for (const cJSON *m = root && rc == RK_OK ? root->child : NULL; m && rc == RK_OK;
	     m = m->next)
		if (strcmp(m->string, "defaults") != 0 && strcmp(m->string, "venues") != 0)
			rc = rk_err_set(err, RK_ECONFIG, "%s: unknown key (defaults, venues)",
					m->string);
	if (rc)
		return rc;

	struct policy_rule base;
	if ((rc = rule_defaults(&base, err)))
		return rc;
	const cJSON *defaults = cJSON_GetObjectItemCaseSensitive(root, "defaults");
	if (defaults) {
		struct partial_rule p;
		if ((rc = parse_rule(defaults, "defaults", NULL, false, &p, err)))
			return rc;
		rule_apply(&base, &p);
	}
	for (size_t v = 0; v < POLICY_VENUES; v++)
		pol->venue_rule[v] = base;

	const cJSON *venues = cJSON_GetObjectItemCaseSensitive(root, "venues");
	if (!venues)
		return RK_OK;
	if ((rc = check_object(venues, "venues", err)))
		return rc;
	for (const cJSON *v = venues->child; v && rc == RK_OK; v = v->next) {
		char sub[PATH_MAX_LEN];
		path_join(sub, "venues", v->string);
		rc = parse_venue(pol, v, sub, err);
	}
	return rc;
}

/* ---- public API ----------------------------------------------------------- */

enum rk_rc policy_default(struct policy **out, struct rk_err *err)
{
	*out = NULL;
	struct policy *p = calloc(1, sizeof *p);
	enum rk_rc rc = RK_OK;
	if (!p)
		return rk_err_set(err, RK_ENOMEM, "policy: out of memory");
	for (size_t v = 0; v < POLICY_VENUES && rc == RK_OK; v++)
		rc = rule_defaults(&p->venue_rule[v], err);
	if (rc) {
		policy_free(p);
		return rc;
	}
	*out = p;
	return RK_OK;
}

enum rk_rc policy_parse(const char *json, struct policy **out, struct rk_err *err)
{
	struct policy *p = NULL;
	struct jsonin in = {0};
	enum rk_rc rc = RK_OK;
	*out = NULL;
	if (!json)
		return rk_err_set(err, RK_ECONFIG, "policy: no document");
	if ((rc = jsonin_parse(json, strlen(json), &in, err))) {
		err->rc = rc = rc == RK_ENOMEM ? rc : RK_ECONFIG;
		rk_err_prefix(err, "policy");
		goto out;
	}
	if ((rc = policy_default(&p, err)))
		goto out;
	if ((rc = parse_document(p, in.root, err)))
		goto out;
	*out = p;
	p = NULL;
out:
	jsonin_close(&in);
	policy_free(p);
	return rc;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->symbols);
	free(p);
}

const struct policy_rule *policy_for(const struct policy *p, enum venue_kind venue,
				     const char *symbol)
{
	if ((int)venue < 0 || (int)venue >= POLICY_VENUES)
		venue = VENUE_UNKNOWN;
	for (size_t i = 0; symbol && i < p->nsymbols; i++)
		if (p->symbols[i].venue == venue && strcmp(p->symbols[i].symbol, symbol) == 0)
			return &p->symbols[i].rule;
	return &p->venue_rule[venue];
}

/* ---- reloading ------------------------------------------------------------ */

bool policy_key(size_t i, struct policy_key_info *out)
{
	if (i >= NKEYS)
		return false;
	*out = (struct policy_key_info){.name = RULE_KEYS[i].name, .def = RULE_KEYS[i].def,
					.reloadable = RULE_KEYS[i].reloadable,
					.per_venue = RULE_KEYS[i].per_venue};
	return true;
}

/* Whether key `k` has the same effective value in rules a and b. Decimals
 * compare by value ("5" and "5.0" are the same stop). */
static bool key_same(const struct rule_key *k, const struct policy_rule *a,
		     const struct policy_rule *b)
{
	const char *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
	bool ha = true, hb = true;
	struct dec da, db;
	if (k->has_offset >= 0) {
		memcpy(&ha, (const char *)a + k->has_offset, sizeof ha);
		memcpy(&hb, (const char *)b + k->has_offset, sizeof hb);
	}
	if (ha != hb || !ha)
		return ha == hb;
	if (k->kind != KEY_PCT && k->kind != KEY_POS && k->kind != KEY_NONNEG)
		return memcmp(fa, fb, k->size) == 0;
	memcpy(&da, fa, sizeof da);
	memcpy(&db, fb, sizeof db);
	return dec_cmp(da, db) == 0;
}

/* The first fixed key whose value differs between the rules of venue v (and
 * `symbol`, NULL for the venue's own rule) in cur and next. */
static const struct rule_key *fixed_change(const struct policy *cur, const struct policy *next,
					   enum venue_kind v, const char *symbol)
{
	const struct policy_rule *a = policy_for(cur, v, symbol), *b = policy_for(next, v, symbol);
	for (size_t i = 0; i < NKEYS; i++)
		if (!RULE_KEYS[i].reloadable && !key_same(&RULE_KEYS[i], a, b))
			return &RULE_KEYS[i];
	return NULL;
}

static enum rk_rc fixed_changed(const struct rule_key *k, enum venue_kind v, const char *symbol,
				struct rk_err *err)
{
	return rk_err_set(err, RK_ECONFIG,
			  "policy: %s changed for %s%s%s, but it is not reloadable (restart to apply it)",
			  k->name, venue_name(v), symbol ? " " : "", symbol ? symbol : "");
}

/* Compares every rule either policy can hand out for a venue reckon opens:
 * each venue's, and each symbol's that either names (a symbol only one of
 * them names reads its venue's rule in the other). */
enum rk_rc policy_check_reload(const struct policy *cur, const struct policy *next,
			       struct rk_err *err)
{
	const struct policy *both[2] = {cur, next};
	const struct rule_key *k = NULL;
	for (size_t v = VENUE_UNKNOWN + 1; v < POLICY_VENUES; v++)
		if ((k = fixed_change(cur, next, (enum venue_kind)v, NULL)))
			return fixed_changed(k, (enum venue_kind)v, NULL, err);
	for (size_t w = 0; w < 2; w++)
		for (size_t i = 0; i < both[w]->nsymbols; i++) {
			const struct symbol_rule *s = &both[w]->symbols[i];
			if ((k = fixed_change(cur, next, s->venue, s->symbol)))
				return fixed_changed(k, s->venue, s->symbol, err);
		}
	return RK_OK;
}

/* Spellings of the choices, as written in the policy file. */
static const char *name_at(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : "";
}

const char *policy_stop_ref_name(enum stop_ref r) { return name_at(STOP_REF_NAMES, 2, (int)r); }
const char *policy_far_name(enum far_choice f) { return name_at(FAR_NAMES, 2, (int)f); }
const char *policy_style_name(enum protect_style s) { return name_at(STYLE_NAMES, 2, (int)s); }
const char *policy_orphan_name(enum orphan_choice o) { return name_at(ORPHAN_NAMES, 3, (int)o); }
const char *policy_trigger_name(enum trigger_choice t) { return name_at(TRIGGER_NAMES, 2, (int)t); }
const char *policy_protect_failure_name(enum protect_failure f)
{
	return name_at(PROTECT_FAIL_NAMES, 2, (int)f);
}
