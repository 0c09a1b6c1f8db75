/*
 * sqldec.c — the decimal extension's SQL functions on `dec` (see sqldec.h).
 *
 * A value carries the exact amount as a `dec` plus the few facts about the
 * extension's own digit-array representation that decide how it prints and
 * compares: its sign flag (which a zero keeps), its digit count, how many of
 * those digits follow the point, and whether the first digit is 0. Those
 * facts evolve exactly as ext/misc/decimal.c evolves them, so the text of
 * every result equals the shell's; the arithmetic itself is dec's.
 */
#include "sqldec.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dec.h"

struct sqldec {
	struct dec v;  /* the exact value */
	bool neg;      /* the extension's sign flag: a zero keeps it ("-0.0") */
	int ndigit;    /* digits in the extension's array, leading zeros included */
	int nfrac;     /* of which after the point */
	bool top_zero; /* the array's first digit is 0 */
};

/* Room for '-', 20 integer digits, '.', SQLDEC_DIGITS_MAX fraction digits. */
#define TEXT_MAX (SQLDEC_DIGITS_MAX + 32)

enum { OK = 0, NOT_IN_RANGE = 1, TOO_PRECISE = 2, TOO_LONG = 3 };

#define STR_(x) #x
#define STR(x) STR_(x)
static const char *const WHY[] = {
	"",
	"is outside reckon's decimal range (|x| < 1e20)",
	"needs more than 18 decimal places (reckon's decimal limit)",
	"has more than " STR(SQLDEC_DIGITS_MAX) " digits (reckon's limit)",
};

/* ---- reading: decimalNewFromText's walk ------------------------------------ */

/* The extension's exponent: moves the point, adding zeros where it runs out
 * of digits. dig holds nd digits; cap is its size. */
static int apply_exponent(char *dig, int *nd, int *nfrac, int exp, int cap)
{
	if (exp > 0) {
		if (*nfrac > 0) {
			if (exp <= *nfrac)
				*nfrac -= exp, exp = 0;
			else
				exp -= *nfrac, *nfrac = 0;
		}
		if (exp > 0) {
			if (exp > cap - *nd)
				return TOO_LONG;
			memset(dig + *nd, '0', (size_t)exp);
			*nd += exp;
		}
	} else if (exp < 0) {
		exp = -exp;
		int extra = *nd - *nfrac - 1;
		if (extra) {
			if (extra >= exp)
				*nfrac += exp, exp = 0;
			else
				exp -= extra, *nfrac = *nd - 1;
		}
		if (exp > 0) {
			if (exp > cap - *nd)
				return TOO_LONG;
			memmove(dig + exp, dig, (size_t)*nd);
			memset(dig, '0', (size_t)exp);
			*nd += exp;
			*nfrac += exp;
		}
	}
	return OK;
}

/* Scans z[0..n) the way the extension does: digits, the last '.', an
 * exponent; everything else is skipped. */
static int scan(const char *z, int n, char *dig, int *nd, int *nfrac, bool *neg)
{
	int i = 0, exp = 0, point = 0;
	while (i < n && isspace((unsigned char)z[i]))
		i++;
	*neg = false;
	if (i < n && (z[i] == '-' || z[i] == '+'))
		*neg = z[i++] == '-';
	while (i < n && z[i] == '0')
		i++;
	*nd = 0;
	for (; i < n; i++) {
		char c = z[i];
		if (c >= '0' && c <= '9') {
			if (*nd == SQLDEC_DIGITS_MAX)
				return TOO_LONG;
			dig[(*nd)++] = c;
		} else if (c == '.') {
			point = *nd + 1;
		} else if (c == 'e' || c == 'E') {
			int j = i + 1;
			bool eneg = false;
			if (j >= n)
				break;
			if (z[j] == '-' || z[j] == '+')
				eneg = z[j++] == '-';
			for (; j < n && exp < 1000000; j++)
				if (z[j] >= '0' && z[j] <= '9')
					exp = exp * 10 + (z[j] - '0');
			if (eneg)
				exp = -exp;
			break;
		}
	}
	*nfrac = point ? *nd - (point - 1) : 0;
	return apply_exponent(dig, nd, nfrac, exp, SQLDEC_DIGITS_MAX);
}

/* Reads text as the extension would, into a dec. */
static int parse(const char *z, int n, struct sqldec *out)
{
	char dig[SQLDEC_DIGITS_MAX], text[SQLDEC_DIGITS_MAX + 4];
	int nd = 0, nfrac = 0;
	bool neg = false;
	int rc = scan(z, n, dig, &nd, &nfrac, &neg);
	if (rc)
		return rc;
	if (nfrac < 0 || nfrac > nd)
		return NOT_IN_RANGE; /* an exponent form the extension itself garbles */
	int nint = nd - nfrac, k = 0;
	if (nint == 0)
		text[k++] = '0';
	memcpy(text + k, dig, (size_t)nint);
	k += nint;
	if (nfrac) {
		text[k++] = '.';
		memcpy(text + k, dig + nint, (size_t)nfrac);
		k += nfrac;
	}
	struct dec v;
	enum dec_status st = dec_parse(text, (size_t)k, &v);
	if (st == DEC_EPRECISION)
		return TOO_PRECISE;
	if (st != DEC_OK)
		return NOT_IN_RANGE;
	out->v = neg ? dec_neg(v) : v;
	out->neg = neg;
	out->ndigit = nd;
	out->nfrac = nfrac;
	out->top_zero = nd > 0 && dig[0] == '0';
	return OK;
}

/* ---- printing: decimal_result ---------------------------------------------- */

/* Writes the extension's text for p into buf (TEXT_MAX bytes); false if the
 * value does not fit its own digit count (never, by construction). */
static bool format(const struct sqldec *p, char *buf)
{
	char c[DEC_STR_MAX];
	dec_format(dec_abs(p->v), c);
	char *dot = strchr(c, '.');
	const char *frac = dot ? dot + 1 : "";
	if (dot)
		*dot = '\0';
	int nf = (int)strlen(frac);
	if (nf > p->nfrac)
		return false;
	bool neg = p->neg && !(p->ndigit == 0 || (p->ndigit == 1 && p->top_zero));
	int k = snprintf(buf, TEXT_MAX, "%s%s", neg ? "-" : "", c);
	if (p->nfrac > 0) {
		buf[k++] = '.';
		memcpy(buf + k, frac, (size_t)nf);
		memset(buf + k + nf, '0', (size_t)(p->nfrac - nf));
		k += p->nfrac;
	}
	buf[k] = '\0';
	return true;
}

/* ---- arithmetic: decimal_add, decimalMul, decimal_cmp ---------------------- */

/* |v| < 10^n: the integer part has at most n digits. */
static bool below_pow10(struct dec v, int n)
{
	struct dec p = dec_from_int(1);
	for (int i = 0; i < n; i++)
		if (dec_mul(p, dec_from_int(10), DEC_ROUND_HALF_EVEN, &p) != DEC_OK)
			return true; /* 10^n beyond dec's range: every dec is below */
	return dec_cmp(dec_abs(v), p) < 0;
}

/* a := a + b, with the extension's digit counts and sign rule. */
static int add(struct sqldec *a, const struct sqldec *b)
{
	int nsig = a->ndigit - a->nfrac;
	if (nsig && a->top_zero)
		nsig--;
	if (nsig < b->ndigit - b->nfrac)
		nsig = b->ndigit - b->nfrac;
	int nfrac = a->nfrac > b->nfrac ? a->nfrac : b->nfrac;
	struct dec sum;
	if (dec_add(a->v, b->v, &sum) != DEC_OK)
		return NOT_IN_RANGE;
	if (a->neg != b->neg && dec_cmp(dec_abs(a->v), dec_abs(b->v)) < 0)
		a->neg = !a->neg;
	a->v = sum;
	a->nfrac = nfrac;
	a->ndigit = nsig + nfrac + 1;
	a->top_zero = below_pow10(sum, nsig);
	return OK;
}

static int digits_after_point(struct dec v)
{
	char c[DEC_STR_MAX];
	const char *dot = strchr(dec_format(v, c), '.');
	return dot ? (int)strlen(dot + 1) : 0;
}

/* a := a * b: exact, or TOO_PRECISE when the product needs more than 18
 * places. Trailing zeros go, down to the shorter operand's places. */
static int mul(struct sqldec *a, const struct sqldec *b)
{
	struct dec lo, hi;
	if (dec_mul(a->v, b->v, DEC_ROUND_FLOOR, &lo) != DEC_OK ||
	    dec_mul(a->v, b->v, DEC_ROUND_CEIL, &hi) != DEC_OK)
		return NOT_IN_RANGE;
	if (!dec_eq(lo, hi))
		return TOO_PRECISE;
	int minfrac = a->nfrac < b->nfrac ? a->nfrac : b->nfrac;
	int full = a->nfrac + b->nfrac, sig = digits_after_point(lo);
	int nfrac = full > minfrac ? (sig > minfrac ? sig : minfrac) : full;
	a->ndigit = a->ndigit + b->ndigit + 2 - (full - nfrac);
	a->nfrac = nfrac;
	a->neg = a->neg != b->neg;
	a->v = lo;
	a->top_zero = true;
	return OK;
}

/* The extension's order: the sign flag first, then the count of integer
 * digits, then the digits, then the longer array. */
static int cmp(const struct sqldec *a, const struct sqldec *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	if (a->neg) {
		const struct sqldec *t = a;
		a = b, b = t;
	}
	int rc = (a->ndigit - a->nfrac) - (b->ndigit - b->nfrac);
	if (rc == 0)
		rc = dec_cmp(dec_abs(a->v), dec_abs(b->v));
	if (rc == 0)
		rc = a->ndigit - b->ndigit;
	return rc < 0 ? -1 : rc > 0;
}

/* ---- the SQL functions ------------------------------------------------------ */

static void result_error(sqlite3_context *ctx, const char *fn, sqlite3_value *arg, int why)
{
	char msg[256];
	const char *t = arg ? (const char *)sqlite3_value_text(arg) : NULL;
	if (t)
		snprintf(msg, sizeof msg, "%s: '%.40s%s' %s", fn, t, strlen(t) > 40 ? "..." : "",
			 WHY[why]);
	else
		snprintf(msg, sizeof msg, "%s: the result %s", fn, WHY[why]);
	sqlite3_result_error(ctx, msg, -1);
}

/* Reads a non-NULL argument; false (with the error set) when out of range. */
static bool arg(sqlite3_context *ctx, const char *fn, sqlite3_value *v, struct sqldec *out)
{
	const char *z = (const char *)sqlite3_value_text(v);
	if (!z) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	int rc = parse(z, sqlite3_value_bytes(v), out);
	if (rc)
		result_error(ctx, fn, v, rc);
	return rc == OK;
}

static void result(sqlite3_context *ctx, const struct sqldec *p)
{
	char buf[TEXT_MAX];
	if (format(p, buf))
		sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_error(ctx, "decimal: internal digit count mismatch", -1);
}

/* Both arguments read, or false: NULL result (either NULL) or an error. */
static bool two_args(sqlite3_context *ctx, const char *fn, sqlite3_value **argv,
		     struct sqldec *a, struct sqldec *b)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return false; /* the result stays NULL */
	return arg(ctx, fn, argv[0], a) && arg(ctx, fn, argv[1], b);
}

static void fn_add_sub(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *fn = sqlite3_user_data(ctx) ? "decimal_sub" : "decimal_add";
	struct sqldec a, b;
	(void)argc;
	if (!two_args(ctx, fn, argv, &a, &b))
		return;
	if (sqlite3_user_data(ctx)) {
		b.v = dec_neg(b.v);
		b.neg = !b.neg;
	}
	int rc = add(&a, &b);
	if (rc)
		result_error(ctx, fn, NULL, rc);
	else
		result(ctx, &a);
}

static void fn_mul(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqldec a, b;
	(void)argc;
	if (!two_args(ctx, "decimal_mul", argv, &a, &b))
		return;
	int rc = mul(&a, &b);
	if (rc)
		result_error(ctx, "decimal_mul", NULL, rc);
	else
		result(ctx, &a);
}

static void fn_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqldec a, b;
	(void)argc;
	if (two_args(ctx, "decimal_cmp", argv, &a, &b))
		sqlite3_result_int(ctx, cmp(&a, &b));
}

/* decimal_sum's running total: the extension starts it at a one-digit 0.
 * SQLite's aggregate memory is only 8-byte aligned and a dec needs 16, so
 * the total lives there as bytes and is copied in and out. */
struct sum {
	bool init;
	struct sqldec total;
};

static void sum_step(sqlite3_context *ctx, sqlite3_value *v, bool inverse)
{
	unsigned char *mem = sqlite3_aggregate_context(ctx, sizeof(struct sum));
	struct sum s;
	struct sqldec x;
	if (!mem) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	memcpy(&s, mem, sizeof s);
	if (!s.init) {
		s.init = true;
		s.total = (struct sqldec){.v = dec_zero(), .ndigit = 1, .top_zero = true};
	}
	if (sqlite3_value_type(v) != SQLITE_NULL && arg(ctx, "decimal_sum", v, &x)) {
		if (inverse) {
			x.v = dec_neg(x.v);
			x.neg = !x.neg;
		}
		int rc = add(&s.total, &x);
		if (rc)
			result_error(ctx, "decimal_sum", NULL, rc);
	}
	memcpy(mem, &s, sizeof s);
}

static void fn_sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sum_step(ctx, argv[0], false);
}

static void fn_sum_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sum_step(ctx, argv[0], true);
}

static void fn_sum_value(sqlite3_context *ctx)
{
	unsigned char *mem = sqlite3_aggregate_context(ctx, 0);
	struct sum s;
	if (!mem)
		return; /* no rows: NULL */
	memcpy(&s, mem, sizeof s);
	if (s.init)
		result(ctx, &s.total);
}

/* The collation cannot report an error: text outside dec's range orders
 * after every number, by its bytes. */
static int collate(void *unused, int n1, const void *k1, int n2, const void *k2)
{
	struct sqldec a, b;
	(void)unused;
	bool ga = parse(k1, n1, &a) == OK, gb = parse(k2, n2, &b) == OK;
	if (ga && gb)
		return cmp(&a, &b);
	if (ga != gb)
		return ga ? -1 : 1;
	int rc = memcmp(k1, k2, (size_t)(n1 < n2 ? n1 : n2));
	return rc ? rc : n1 - n2;
}

enum rk_rc sqldec_register(sqlite3 *db, struct rk_err *err)
{
	static const struct {
		const char *name;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
		void *sub; /* non-NULL: decimal_sub */
	} FUNCS[] = {
		{"decimal_add", fn_add_sub, NULL},
		{"decimal_sub", fn_add_sub, (void *)"sub"},
		{"decimal_mul", fn_mul, NULL},
		{"decimal_cmp", fn_cmp, NULL},
	};
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < sizeof FUNCS / sizeof FUNCS[0]; i++)
		rc = sqlite3_create_function(db, FUNCS[i].name, 2, flags, FUNCS[i].sub, FUNCS[i].fn,
					     NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_window_function(db, "decimal_sum", 1, flags, NULL, fn_sum_step,
						    fn_sum_value, fn_sum_value, fn_sum_inverse, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_collation(db, "decimal", SQLITE_UTF8, NULL, collate);
	if (rc != SQLITE_OK)
		return rk_err_set(err, RK_EDB, "registering the decimal functions: %s",
				  sqlite3_errmsg(db));
	return RK_OK;
}
