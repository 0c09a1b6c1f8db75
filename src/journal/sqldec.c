/*
 * sqldec.c — the decimal extension's SQL functions (see sqldec.h).
 *
 * The extension's own algorithm, written again: a value is an array of
 * decimal digits (most significant first), a count of those after the point,
 * and a sign flag that a zero keeps. Addition aligns the arrays and adds or
 * subtracts digit by digit; multiplication is schoolbook long
 * multiplication. Nothing is ever rounded, so every result is exact and its
 * text is the one the sqlite3 shell prints. The only limit is the length of
 * the digit array (SQLDEC_DIGITS_MAX), past which a function errs.
 */
#include "sqldec.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct sqldec {
	bool neg;       /* the extension's sign flag: a zero keeps it ("-0.0") */
	int ndigit;     /* digits in a[], leading and trailing zeros included */
	int nfrac;      /* of which after the point */
	signed char *a; /* the digits 0..9; sqlite3_malloc'd, NULL when ndigit is 0 */
};

enum { OK = 0, NO_MEMORY = 1, TOO_LONG = 2 };

#define STR_(x) #x
#define STR(x) STR_(x)
static const char WHY_TOO_LONG[] = "has more than " STR(SQLDEC_DIGITS_MAX) " digits (reckon's limit)";

static void release(struct sqldec *p)
{
	sqlite3_free(p->a);
	p->a = NULL;
	p->ndigit = p->nfrac = 0;
}

/* Makes room for `n` digits in p->a (contents kept). */
static int reserve(struct sqldec *p, int n)
{
	if (n > SQLDEC_DIGITS_MAX)
		return TOO_LONG;
	signed char *grown = sqlite3_realloc64(p->a, (sqlite3_uint64)n + 1);
	if (!grown)
		return NO_MEMORY;
	p->a = grown;
	return OK;
}

/* ---- reading: decimalNewFromText's walk ------------------------------------ */

/* The extension's exponent: moves the point, adding zeros where it runs out
 * of digits. */
static int apply_exponent(struct sqldec *p, int exp)
{
	int rc = OK;
	if (exp > 0) {
		if (p->nfrac > 0) {
			if (exp <= p->nfrac)
				p->nfrac -= exp, exp = 0;
			else
				exp -= p->nfrac, p->nfrac = 0;
		}
		if (exp > 0 && !(rc = reserve(p, p->ndigit + exp))) {
			memset(p->a + p->ndigit, 0, (size_t)exp);
			p->ndigit += exp;
		}
	} else if (exp < 0) {
		exp = -exp;
		int extra = p->ndigit - p->nfrac - 1;
		if (extra) {
			if (extra >= exp)
				p->nfrac += exp, exp = 0;
			else
				exp -= extra, p->nfrac = p->ndigit - 1;
		}
		if (exp > 0 && !(rc = reserve(p, p->ndigit + exp))) {
			memmove(p->a + exp, p->a, (size_t)p->ndigit);
			memset(p->a, 0, (size_t)exp);
			p->ndigit += exp;
			p->nfrac += exp;
		}
	}
	return rc;
}

/* Reads z[0..n) as the extension does: white space, one sign, then every
 * digit, the last '.', and an exponent; other characters are skipped. */
static int parse(const char *z, int n, struct sqldec *out)
{
	int i = 0, exp = 0, point = 0, rc;
	memset(out, 0, sizeof *out);
	if ((rc = reserve(out, n < SQLDEC_DIGITS_MAX ? n : SQLDEC_DIGITS_MAX)))
		return rc;
	while (i < n && isspace((unsigned char)z[i]))
		i++;
	if (i < n && (z[i] == '-' || z[i] == '+'))
		out->neg = z[i++] == '-';
	while (i < n && z[i] == '0')
		i++;
	for (; i < n; i++) {
		char c = z[i];
		if (c >= '0' && c <= '9') {
			if (out->ndigit == SQLDEC_DIGITS_MAX)
				return TOO_LONG;
			out->a[out->ndigit++] = (signed char)(c - '0');
		} else if (c == '.') {
			point = out->ndigit + 1;
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
	out->nfrac = point ? out->ndigit - (point - 1) : 0;
	return apply_exponent(out, exp);
}

/* ---- printing: decimal_result ---------------------------------------------- */

/* The extension's text for p, sqlite3_malloc'd (NULL when out of memory). */
static char *format(const struct sqldec *p)
{
	char *z = sqlite3_malloc(p->ndigit + 4);
	int i = 0, j = 0, n = p->ndigit - p->nfrac;
	if (!z)
		return NULL;
	bool zero = p->ndigit == 0 || (p->ndigit == 1 && p->a[0] == 0);
	if (p->neg && !zero)
		z[i++] = '-';
	if (n <= 0)
		z[i++] = '0';
	while (n > 1 && p->a[j] == 0)
		j++, n--;
	for (; n > 0; n--)
		z[i++] = (char)('0' + p->a[j++]);
	if (p->nfrac) {
		z[i++] = '.';
		do
			z[i++] = (char)('0' + p->a[j++]);
		while (j < p->ndigit);
	}
	z[i] = '\0';
	return z;
}

/* ---- arithmetic: decimal_add, decimalMul, decimal_cmp ---------------------- */

/* Pads p with zeros to `ndigit` digits, `nfrac` of them after the point. */
static int expand(struct sqldec *p, int ndigit, int nfrac)
{
	int add_frac = nfrac - p->nfrac, add_sig = (ndigit - p->ndigit) - add_frac, rc;
	if (add_frac == 0 && add_sig == 0)
		return OK;
	if ((rc = reserve(p, ndigit)))
		return rc;
	if (add_sig) {
		memmove(p->a + add_sig, p->a, (size_t)p->ndigit);
		memset(p->a, 0, (size_t)add_sig);
		p->ndigit += add_sig;
	}
	if (add_frac) {
		memset(p->a + p->ndigit, 0, (size_t)add_frac);
		p->ndigit += add_frac;
		p->nfrac += add_frac;
	}
	return OK;
}

/* a := a + b (b is padded too). One spare leading digit takes the carry. */
static int add(struct sqldec *a, struct sqldec *b)
{
	int nsig = a->ndigit - a->nfrac;
	if (nsig && a->a[0] == 0)
		nsig--;
	if (nsig < b->ndigit - b->nfrac)
		nsig = b->ndigit - b->nfrac;
	int nfrac = a->nfrac > b->nfrac ? a->nfrac : b->nfrac, n = nsig + nfrac + 1, rc;
	if ((rc = expand(a, n, nfrac)) || (rc = expand(b, n, nfrac)))
		return rc;
	if (a->neg == b->neg) {
		for (int i = n - 1, carry = 0; i >= 0; i--) {
			int x = a->a[i] + b->a[i] + carry;
			carry = x >= 10;
			a->a[i] = (signed char)(carry ? x - 10 : x);
		}
		return OK;
	}
	const signed char *big = a->a, *small = b->a;
	if (memcmp(a->a, b->a, (size_t)n) < 0) {
		big = b->a, small = a->a;
		a->neg = !a->neg;
	}
	for (int i = n - 1, borrow = 0; i >= 0; i--) {
		int x = big[i] - small[i] - borrow;
		borrow = x < 0;
		a->a[i] = (signed char)(borrow ? x + 10 : x);
	}
	return OK;
}

/* a := a * b, every digit kept; then trailing zeros after the point go, but
 * no further than the shorter operand's count of places. */
static int mul(struct sqldec *a, const struct sqldec *b)
{
	int n = a->ndigit + b->ndigit + 2;
	if (n > SQLDEC_DIGITS_MAX)
		return TOO_LONG;
	signed char *acc = sqlite3_malloc(n + 1);
	if (!acc)
		return NO_MEMORY;
	memset(acc, 0, (size_t)n + 1);
	int minfrac = a->nfrac < b->nfrac ? a->nfrac : b->nfrac;
	for (int i = a->ndigit - 1; i >= 0; i--) {
		int f = a->a[i], carry = 0, x, j, k;
		for (j = b->ndigit - 1, k = i + j + 3; j >= 0; j--, k--) {
			x = acc[k] + f * b->a[j] + carry;
			acc[k] = (signed char)(x % 10);
			carry = x / 10;
		}
		x = acc[k] + carry;
		acc[k] = (signed char)(x % 10);
		acc[k - 1] = (signed char)(acc[k - 1] + x / 10);
	}
	sqlite3_free(a->a);
	a->a = acc;
	a->ndigit = n;
	a->nfrac += b->nfrac;
	a->neg = a->neg != b->neg;
	while (a->nfrac > minfrac && a->a[a->ndigit - 1] == 0)
		a->nfrac--, a->ndigit--;
	return OK;
}

/* The extension's order: the sign flag first, then the count of digits
 * before the point (leading zeros included), then the digits, then the
 * longer array. */
static int cmp(const struct sqldec *a, const struct sqldec *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	if (a->neg) {
		const struct sqldec *t = a;
		a = b, b = t;
	}
	int rc = (a->ndigit - a->nfrac) - (b->ndigit - b->nfrac);
	if (rc == 0) {
		int n = a->ndigit < b->ndigit ? a->ndigit : b->ndigit;
		rc = n ? memcmp(a->a, b->a, (size_t)n) : 0;
	}
	if (rc == 0)
		rc = a->ndigit - b->ndigit;
	return rc < 0 ? -1 : rc > 0;
}

/* ---- the SQL functions ------------------------------------------------------ */

/* Sets the error for `why` (an argument's text when arg is not NULL, else
 * "the result"). */
static void result_error(sqlite3_context *ctx, const char *fn, sqlite3_value *arg, int why)
{
	char msg[256];
	const char *t = arg ? (const char *)sqlite3_value_text(arg) : NULL;
	if (why == NO_MEMORY) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (t)
		snprintf(msg, sizeof msg, "%s: '%.40s%s' %s", fn, t, strlen(t) > 40 ? "..." : "",
			 WHY_TOO_LONG);
	else
		snprintf(msg, sizeof msg, "%s: the result %s", fn, WHY_TOO_LONG);
	sqlite3_result_error(ctx, msg, -1);
}

/* Reads a non-NULL argument; false (with the error set) when it cannot. */
static bool arg(sqlite3_context *ctx, const char *fn, sqlite3_value *v, struct sqldec *out)
{
	const char *z = (const char *)sqlite3_value_text(v);
	memset(out, 0, sizeof *out);
	if (!z) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	int rc = parse(z, sqlite3_value_bytes(v), out);
	if (rc) {
		release(out);
		result_error(ctx, fn, v, rc);
	}
	return rc == OK;
}

static void result(sqlite3_context *ctx, const struct sqldec *p)
{
	char *z = format(p);
	if (z)
		sqlite3_result_text(ctx, z, -1, sqlite3_free);
	else
		sqlite3_result_error_nomem(ctx);
}

/* Both arguments read, or false: NULL result (either NULL) or an error. */
static bool two_args(sqlite3_context *ctx, const char *fn, sqlite3_value **argv,
		     struct sqldec *a, struct sqldec *b)
{
	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return false; /* the result stays NULL */
	return arg(ctx, fn, argv[0], a) && arg(ctx, fn, argv[1], b);
}

static void fn_add_sub(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *fn = sqlite3_user_data(ctx) ? "decimal_sub" : "decimal_add";
	struct sqldec a, b;
	(void)argc;
	if (two_args(ctx, fn, argv, &a, &b)) {
		if (sqlite3_user_data(ctx))
			b.neg = !b.neg;
		int rc = add(&a, &b);
		if (rc)
			result_error(ctx, fn, NULL, rc);
		else
			result(ctx, &a);
	}
	release(&a);
	release(&b);
}

static void fn_mul(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqldec a, b;
	(void)argc;
	if (two_args(ctx, "decimal_mul", argv, &a, &b)) {
		int rc = mul(&a, &b);
		if (rc)
			result_error(ctx, "decimal_mul", NULL, rc);
		else
			result(ctx, &a);
	}
	release(&a);
	release(&b);
}

static void fn_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqldec a, b;
	(void)argc;
	if (two_args(ctx, "decimal_cmp", argv, &a, &b))
		sqlite3_result_int(ctx, cmp(&a, &b));
	release(&a);
	release(&b);
}

/* decimal_sum's running total, in SQLite's aggregate memory (zeroed at
 * first use); the extension starts it at a one-digit 0. Its digits are
 * freed by the final call. */
struct sum {
	bool init;
	struct sqldec total;
};

static void sum_step(sqlite3_context *ctx, sqlite3_value *v, bool inverse)
{
	struct sum *s = sqlite3_aggregate_context(ctx, sizeof *s);
	struct sqldec x;
	int rc;
	if (!s) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (!s->init) {
		if ((rc = reserve(&s->total, 1))) {
			result_error(ctx, "decimal_sum", NULL, rc);
			return;
		}
		s->init = true;
		s->total.a[0] = 0;
		s->total.ndigit = 1;
	}
	if (sqlite3_value_type(v) == SQLITE_NULL || !arg(ctx, "decimal_sum", v, &x))
		return;
	if (inverse)
		x.neg = !x.neg;
	if ((rc = add(&s->total, &x)))
		result_error(ctx, "decimal_sum", NULL, rc);
	release(&x);
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
	struct sum *s = sqlite3_aggregate_context(ctx, 0);
	if (s && s->init) /* no rows: NULL */
		result(ctx, &s->total);
}

static void fn_sum_final(sqlite3_context *ctx)
{
	struct sum *s = sqlite3_aggregate_context(ctx, 0);
	if (!s)
		return;
	if (s->init)
		result(ctx, &s->total);
	release(&s->total);
}

/* The collation cannot report an error: text that cannot be read (longer
 * than the limit, or no memory) orders after every number, by its bytes. */
static int collate(void *unused, int n1, const void *k1, int n2, const void *k2)
{
	struct sqldec a, b;
	(void)unused;
	bool ga = parse(k1, n1, &a) == OK, gb = parse(k2, n2, &b) == OK;
	int rc;
	if (ga && gb)
		rc = cmp(&a, &b);
	else if (ga != gb)
		rc = ga ? -1 : 1;
	else if (!(rc = memcmp(k1, k2, (size_t)(n1 < n2 ? n1 : n2))))
		rc = n1 - n2;
	release(&a);
	release(&b);
	return rc;
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
						    fn_sum_final, fn_sum_value, fn_sum_inverse, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_collation(db, "decimal", SQLITE_UTF8, NULL, collate);
	if (rc != SQLITE_OK)
		return rk_err_set(err, RK_EDB, "registering the decimal functions: %s",
				  sqlite3_errmsg(db));
	return RK_OK;
}
