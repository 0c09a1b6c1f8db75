/*
 * policy.c — loading and layering reckon's policy file (see policy.h).
 *
 * One table (RULE_KEYS) describes every rule key: its JSON name, where it
 * lives in struct policy_rule, how it is read and which values are allowed.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonin.h"
#include "rk_array.h"

#define POLICY_FILE_MAX (1024 * 1024)
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

static const struct rule_key RULE_KEYS[] = {
	{"stop_pct", KEY_PCT, FIELD(stop_pct), -1, NULL, false, 0},
	{"stop_from", KEY_ENUM, FIELD(stop_ref), -1, STOP_REF_NAMES, false, 0},
	{"past_stop", KEY_ENUM, FIELD(far), -1, FAR_NAMES, false, 0},
	{"take_profit_pct", KEY_POS, FIELD(take_profit_pct), HAS(has_take_profit), NULL, false, 0},
	{"hard_stop_pct", KEY_POS, FIELD(hard_stop_pct), HAS(has_hard_stop), NULL, false, 0},
	{"protect", KEY_ENUM, FIELD(style), -1, STYLE_NAMES, false, 0},
	{"orphans", KEY_ENUM, FIELD(orphans), -1, ORPHAN_NAMES, false, 0},
	{"would_trigger", KEY_ENUM, FIELD(on_trigger), -1, TRIGGER_NAMES, false, 0},
	{"reprice_buffer_pct", KEY_PCT, FIELD(reprice_buffer_pct), -1, NULL, false, 0},
	/* Bounded: a pass must end, and must not sit on a refused stop for long. */
	{"reprice_max_attempts", KEY_INT_NONNEG, FIELD(reprice_max_attempts), -1, NULL, false, 10},
	{"on_protect_failure", KEY_ENUM, FIELD(on_protect_failure), -1, PROTECT_FAIL_NAMES, false, 0},
	{"protect_retries", KEY_INT_NONNEG, FIELD(protect_retries), -1, NULL, false, 10},
	{"protect_retry_backoff_ms", KEY_INT_NONNEG, FIELD(protect_retry_backoff_ms), -1, NULL, false,
	 60000},
	{"dust_notional", KEY_NONNEG, FIELD(dust_notional), -1, NULL, false, 0},
	{"stale_quiet_seconds", KEY_INT_NONNEG, FIELD(stale_quiet_seconds), -1, NULL, false, 0},
	{"stale_min_passes", KEY_INT_POS, FIELD(stale_min_passes), -1, NULL, false, 0},
	/* A pass covers a whole venue account, so its breaker cannot vary by symbol. */
	{"max_destructive_per_pass", KEY_INT_NONNEG, FIELD(breaker_per_pass), -1, NULL, true, 0},
	{"max_destructive_per_hour", KEY_INT_NONNEG, FIELD(breaker_per_hour), -1, NULL, true, 0},
	/* Fills are listed per venue account; Binance keeps about 180 days. */
	{"fill_lookback_hours", KEY_INT_POS, FIELD(fill_lookback_hours), -1, NULL, true, 180 * 24},
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

static void rule_defaults(struct policy_rule *r)
{
	memset(r, 0, sizeof *r);
	r->stop_pct = dec_from_int(5);
	r->stop_ref = STOP_REF_ENTRY;
	r->far = FAR_STOP_FROM_LAST;
	r->style = PROTECT_STOP_ONLY;
	r->orphans = ORPHAN_ADOPT;
	r->on_trigger = TRIGGER_EMERGENCY_CLOSE;
	r->reprice_buffer_pct = dec_from_int(1);
	r->reprice_max_attempts = 2;
	r->on_protect_failure = PROTECT_FAIL_EMERGENCY_CLOSE;
	r->protect_retries = 2;
	r->protect_retry_backoff_ms = 500;
	r->fill_lookback_hours = 7 * 24;
	r->dust_notional = dec_from_int(1);
	r->stale_quiet_seconds = 60;
	r->stale_min_passes = 2;
	r->breaker_per_pass = 20;
	r->breaker_per_hour = 100;
}

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
static enum rk_rc read_int(const cJSON *v, const char *path, int min, int max, int *out,
			   struct rk_err *err)
{
	const char *t = jsonin_number_text(v);
	long long n = 0;
	bool neg = t && t[0] == '-';
	const char *d = t ? t + neg : NULL;
	if (!d || !*d || strlen(d) > 10)
		return rk_err_set(err, RK_ECONFIG, "%s: must be a whole number", path);
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return rk_err_set(err, RK_ECONFIG, "%s: must be a whole number", path);
		n = n * 10 + (*d - '0');
	}
	n = neg ? -n : n;
	if (n > INT_MAX || n < INT_MIN)
		return rk_err_set(err, RK_ECONFIG, "%s: must be a whole number", path);
	if (n < min)
		return rk_err_set(err, RK_ECONFIG, "%s: must be >= %d", path, min);
	if (max > 0 && n > max)
		return rk_err_set(err, RK_ECONFIG, "%s: must be <= %d", path, max);
	*out = (int)n;
	return RK_OK;
}

static enum rk_rc read_enum(const cJSON *v, const char *path, const char *const *names,
			    int *out, struct rk_err *err)
{
	char allowed[160] = "";
	for (int i = 0; names[i]; i++) {
		if (cJSON_IsString(v) && strcmp(v->valuestring, names[i]) == 0) {
			*out = i;
			return RK_OK;
		}
		size_t n = strlen(allowed);
		snprintf(allowed + n, sizeof allowed - n, "%s\"%s\"", i ? ", " : "", names[i]);
	}
	return rk_err_set(err, RK_ECONFIG, "%s: must be one of %s", path, allowed);
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

/* ---- walking the document ---------------------------------------------- */

static void path_join(char *out, const char *base, const char *name)
{
	snprintf(out, PATH_MAX_LEN, "%s%s%s", base, base[0] ? "." : "", name);
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
	rule_defaults(&base);
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
	if (!p)
		return rk_err_set(err, RK_ENOMEM, "policy: out of memory");
	for (size_t v = 0; v < POLICY_VENUES; v++)
		rule_defaults(&p->venue_rule[v]);
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

enum rk_rc policy_load_file(const char *path, struct policy **out, struct rk_err *err)
{
	FILE *f = NULL;
	char *buf = NULL;
	enum rk_rc rc = RK_OK;
	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		rc = rk_err_set(err, RK_EIO, "policy %s: cannot open", path);
		goto out;
	}
	buf = malloc(POLICY_FILE_MAX + 1);
	if (!buf) {
		rc = rk_err_set(err, RK_ENOMEM, "policy %s: out of memory", path);
		goto out;
	}
	size_t n = fread(buf, 1, POLICY_FILE_MAX + 1, f);
	if (ferror(f)) {
		rc = rk_err_set(err, RK_EIO, "policy %s: read failed", path);
		goto out;
	}
	if (n > POLICY_FILE_MAX) {
		rc = rk_err_set(err, RK_ECONFIG, "policy %s: larger than %d bytes", path,
				POLICY_FILE_MAX);
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		rc = rk_err_set(err, RK_ECONFIG, "policy %s: contains a NUL byte", path);
		goto out;
	}
	if ((rc = policy_parse(buf, out, err)))
		rk_err_prefix(err, "%s", path);
out:
	if (f)
		fclose(f);
	free(buf);
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
