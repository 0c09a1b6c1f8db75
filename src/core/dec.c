/*
 * dec.c — exact fixed-point decimals for money (see dec.h).
 *
 * Values are signed 128-bit counts of 10^-18 units. Every operation checks
 * its range *before* computing, because signed overflow is undefined
 * behaviour (and we run under UBSan). Products and quotients go through a
 * 256-bit unsigned intermediate so they are exact until the single, explicit
 * rounding step.
 */
#include "dec.h"

typedef unsigned __int128 u128;

/* 10^18: one unit in raw form. Fits in int64, so it can be a plain literal. */
#define P18 ((u128)1000000000000000000ULL)
/*
 * Largest |raw|: 10^38 - 1, i.e. |value| < 10^20. 128-bit integer literals
 * do not exist in C, so it is built from 64-bit ones.
 */
#define DEC_RAW_MAX ((__int128)(P18 * P18 * 100u - 1u))
#define U_RAW_MAX ((u128)DEC_RAW_MAX)

#define M64 ((u128)UINT64_MAX)

/* An unsigned 256-bit integer as two 128-bit halves. */
struct u256 {
	u128 hi;
	u128 lo;
};

/* ---- small helpers ------------------------------------------------------ */

static bool in_range(struct dec a)
{
	return a.raw <= DEC_RAW_MAX && a.raw >= -DEC_RAW_MAX;
}

/* |raw| as unsigned; valid for any raw, including the int128 minimum. */
static u128 mag(__int128 raw)
{
	return raw < 0 ? (u128)0 - (u128)raw : (u128)raw;
}

/* Builds a dec from a magnitude already known to be <= U_RAW_MAX. */
static struct dec from_mag(u128 m, bool neg)
{
	struct dec d;
	d.raw = neg ? -(__int128)m : (__int128)m;
	return d;
}

/* Full 128x128 -> 256-bit unsigned product, schoolbook on 64-bit halves. */
static struct u256 mul_128x128(u128 a, u128 b)
{
	u128 a0 = a & M64, a1 = a >> 64;
	u128 b0 = b & M64, b1 = b >> 64;
	u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	/* At most 3 * (2^64 - 1): cannot overflow 128 bits. */
	u128 mid = (p00 >> 64) + (p01 & M64) + (p10 & M64);
	struct u256 r;
	r.lo = (mid << 64) | (p00 & M64);
	r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
	return r;
}

/*
 * 256-by-128-bit unsigned division (d != 0): *q = n / d, *rem = n % d.
 * The high half is divided natively (its remainder is < d); the low half
 * is then fed in bit by bit with shift-subtract long division. Speed is not
 * critical here and this is easy to verify.
 */
static void div_256_128(struct u256 n, u128 d, struct u256 *q, u128 *rem)
{
	q->hi = n.hi / d;
	u128 r = n.hi % d;
	if (r == 0) {
		/* Common case (small operands): plain 128-bit division. */
		q->lo = n.lo / d;
		*rem = n.lo % d;
		return;
	}
	u128 qlo = 0;
	for (int i = 127; i >= 0; i--) {
		/* r < d <= 2^128 - 1, so r << 1 may need a 129th bit. */
		bool carry = (r >> 127) != 0;
		r = (r << 1) | ((n.lo >> i) & 1u);
		qlo <<= 1;
		if (carry || r >= d) {
			r -= d; /* wraps correctly when carry is set */
			qlo |= 1u;
		}
	}
	q->lo = qlo;
	*rem = r;
}

/*
 * Turns an exact quotient magnitude q with remainder r (of divisor d) into a
 * rounded result magnitude, given the sign of the true result. Directed
 * modes depend on the sign: FLOOR moves negative results away from zero,
 * CEIL moves positive ones away from zero.
 */
static enum dec_status round_quotient(struct u256 q, u128 r, u128 d, bool neg,
				      enum dec_round mode, u128 *out)
{
	if (q.hi != 0 || q.lo > U_RAW_MAX)
		return DEC_EOVERFLOW;
	bool up = false;
	if (r != 0) {
		switch (mode) {
		case DEC_ROUND_HALF_EVEN:
			/* Compare r with d/2 without computing 2r (may overflow). */
			if (r > d - r)
				up = true;
			else if (r == d - r)
				up = (q.lo & 1u) != 0;
			break;
		case DEC_ROUND_DOWN:
			break;
		case DEC_ROUND_FLOOR:
			up = neg;
			break;
		case DEC_ROUND_CEIL:
			up = !neg;
			break;
		}
	}
	u128 m = q.lo + (up ? 1u : 0u);
	if (m > U_RAW_MAX)
		return DEC_EOVERFLOW;
	*out = m;
	return DEC_OK;
}

/* Computes round(n / d) for a 256-bit numerator and stores it signed. */
static enum dec_status div_round(struct u256 n, u128 d, bool neg,
				 enum dec_round mode, struct dec *out)
{
	struct u256 q;
	u128 r, m;
	div_256_128(n, d, &q, &r);
	enum dec_status st = round_quotient(q, r, d, neg, mode, &m);
	if (st != DEC_OK)
		return st;
	*out = from_mag(m, neg);
	return DEC_OK;
}

/* ---- constants ---------------------------------------------------------- */

struct dec dec_zero(void)
{
	struct dec d = {0};
	return d;
}

struct dec dec_from_int(int64_t v)
{
	/* |v| <= 2^63 < 10^20, and 2^63 * 10^18 < 2^127: no overflow. */
	struct dec d;
	d.raw = (__int128)v * (__int128)P18;
	return d;
}

/* ---- parsing ------------------------------------------------------------ */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Exponents are clamped to this magnitude while reading them: any larger
 * one already pushes a non-zero digit far outside the representable range
 * (the input would need more than 10^15 digits to compensate), and clamping
 * keeps the position arithmetic below in int64 without overflow.
 */
#define EXP_CAP 1000000000000000LL

enum dec_status dec_parse(const char *s, size_t len, struct dec *out)
{
	/* Positions are handled as int64 below; no real buffer is this big. */
	if (s == NULL || (uint64_t)len > (uint64_t)INT64_MAX / 4)
		return DEC_ESYNTAX;

	size_t i = 0;
	bool neg = false;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	size_t int0 = i;
	while (i < len && is_digit(s[i]))
		i++;
	size_t nint = i - int0;
	size_t frac0 = i, nfrac = 0;
	if (i < len && s[i] == '.') {
		i++;
		frac0 = i;
		while (i < len && is_digit(s[i]))
			i++;
		nfrac = i - frac0;
	}
	if (nint + nfrac == 0)
		return DEC_ESYNTAX; /* "", "-", ".", "e5", "inf", ... */

	int64_t exp = 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < len && (s[i] == '+' || s[i] == '-')) {
			eneg = s[i] == '-';
			i++;
		}
		size_t e0 = i;
		while (i < len && is_digit(s[i])) {
			if (exp < EXP_CAP)
				exp = exp * 10 + (s[i] - '0');
			i++;
		}
		if (i == e0)
			return DEC_ESYNTAX; /* "1e", "1e+" */
		if (exp > EXP_CAP)
			exp = EXP_CAP;
		if (eneg)
			exp = -exp;
	}
	if (i != len)
		return DEC_ESYNTAX; /* trailing junk, whitespace, "0x10", "1.2.3" */

	/*
	 * View the mantissa as one digit string D (integer digits then fraction
	 * digits). Digit k of D has decimal weight 10^(point - 1 - k), where
	 * point = nint + exp. Only the span between the first and last non-zero
	 * digits matters: leading and trailing zeros are free, however many.
	 */
	int64_t ndig = (int64_t)(nint + nfrac);
	int64_t first = -1, last = -1;
	for (int64_t k = 0; k < ndig; k++) {
		char c = k < (int64_t)nint ? s[int0 + (size_t)k]
					   : s[frac0 + (size_t)(k - (int64_t)nint)];
		if (c != '0') {
			if (first < 0)
				first = k;
			last = k;
		}
	}
	if (first < 0) {
		*out = dec_zero(); /* "0", "-0.0", "0e99999" */
		return DEC_OK;
	}
	int64_t point = (int64_t)nint + exp;
	int64_t top = point - 1 - first; /* weight of the leading digit */
	int64_t bottom = point - 1 - last; /* weight of the last non-zero one */
	if (top >= 20)
		return DEC_EOVERFLOW;
	if (bottom < -DEC_SCALE)
		return DEC_EPRECISION;

	/* Now at most 38 digits with weights in [-18, 19]: fits in < 10^38. */
	u128 raw = 0;
	for (int64_t k = first; k <= last; k++) {
		char c = k < (int64_t)nint ? s[int0 + (size_t)k]
					   : s[frac0 + (size_t)(k - (int64_t)nint)];
		raw = raw * 10u + (u128)(c - '0');
	}
	for (int64_t w = bottom; w > -DEC_SCALE; w--)
		raw *= 10u;
	*out = from_mag(raw, neg);
	return DEC_OK;
}

enum dec_status dec_parse_cstr(const char *s, struct dec *out)
{
	if (s == NULL)
		return DEC_ESYNTAX;
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	return dec_parse(s, n, out);
}

/* ---- formatting --------------------------------------------------------- */

char *dec_format(struct dec a, char buf[DEC_STR_MAX])
{
	u128 m = mag(a.raw);
	u128 ip = m / P18;
	uint64_t fp = (uint64_t)(m % P18);
	char tmp[48];
	int n = 0;
	size_t o = 0;

	/* Integer digits, least significant first. */
	do {
		tmp[n++] = (char)('0' + (int)(ip % 10u));
		ip /= 10u;
	} while (ip != 0);

	if (a.raw < 0)
		buf[o++] = '-'; /* raw == 0 never gets here: no "-0" */
	while (n > 0)
		buf[o++] = tmp[--n];
	if (fp != 0) {
		char f[DEC_SCALE];
		for (int k = DEC_SCALE - 1; k >= 0; k--) {
			f[k] = (char)('0' + (int)(fp % 10u));
			fp /= 10u;
		}
		int flen = DEC_SCALE;
		while (f[flen - 1] == '0')
			flen--; /* shortest form: drop trailing zeros */
		buf[o++] = '.';
		for (int k = 0; k < flen; k++)
			buf[o++] = f[k];
	}
	buf[o] = '\0';
	return buf;
}

/* ---- arithmetic --------------------------------------------------------- */

enum dec_status dec_add(struct dec a, struct dec b, struct dec *out)
{
	if (!in_range(a) || !in_range(b))
		return DEC_EOVERFLOW;
	/*
	 * 2 * (10^38 - 1) exceeds INT128_MAX, so test against the limit before
	 * adding. Both subtractions below stay within [-RAW_MAX, RAW_MAX].
	 */
	if (a.raw > 0 && b.raw > DEC_RAW_MAX - a.raw)
		return DEC_EOVERFLOW;
	if (a.raw < 0 && b.raw < -DEC_RAW_MAX - a.raw)
		return DEC_EOVERFLOW;
	out->raw = a.raw + b.raw;
	return DEC_OK;
}

enum dec_status dec_sub(struct dec a, struct dec b, struct dec *out)
{
	if (!in_range(b))
		return DEC_EOVERFLOW;
	return dec_add(a, dec_neg(b), out); /* -b is in range: symmetric */
}

enum dec_status dec_mul(struct dec a, struct dec b, enum dec_round mode,
			struct dec *out)
{
	if (!in_range(a) || !in_range(b))
		return DEC_EOVERFLOW;
	/* raw(a*b) = a.raw * b.raw / 10^18. */
	struct u256 n = mul_128x128(mag(a.raw), mag(b.raw));
	return div_round(n, P18, (a.raw < 0) != (b.raw < 0), mode, out);
}

enum dec_status dec_div(struct dec a, struct dec b, enum dec_round mode,
			struct dec *out)
{
	if (!in_range(a) || !in_range(b))
		return DEC_EOVERFLOW;
	if (b.raw == 0)
		return DEC_EDIVZERO;
	/* raw(a/b) = a.raw * 10^18 / b.raw. */
	struct u256 n = mul_128x128(mag(a.raw), P18);
	return div_round(n, mag(b.raw), (a.raw < 0) != (b.raw < 0), mode,
			 out);
}

enum dec_status dec_muldiv(struct dec a, struct dec b, struct dec c,
			   enum dec_round mode, struct dec *out)
{
	if (!in_range(a) || !in_range(b) || !in_range(c))
		return DEC_EOVERFLOW;
	if (c.raw == 0)
		return DEC_EDIVZERO;
	/* The scale factors cancel: raw(a*b/c) = a.raw * b.raw / c.raw. */
	struct u256 n = mul_128x128(mag(a.raw), mag(b.raw));
	bool neg = ((a.raw < 0) != (b.raw < 0)) != (c.raw < 0);
	return div_round(n, mag(c.raw), neg, mode, out);
}

enum dec_status dec_quantize(struct dec a, struct dec increment,
			     enum dec_round mode, struct dec *out)
{
	if (increment.raw <= 0 || !in_range(increment))
		return DEC_ESYNTAX;
	if (!in_range(a))
		return DEC_EOVERFLOW;
	u128 inc = (u128)increment.raw;
	struct u256 n = {0, mag(a.raw)};
	struct u256 q;
	u128 r, steps;
	bool neg = a.raw < 0;
	div_256_128(n, inc, &q, &r);
	enum dec_status st = round_quotient(q, r, inc, neg, mode, &steps);
	if (st != DEC_OK)
		return st;
	/* Rounding up may step past the range, e.g. 99999999999999999999.9 to 1. */
	if (steps > U_RAW_MAX / inc)
		return DEC_EOVERFLOW;
	*out = from_mag(steps * inc, neg);
	return DEC_OK;
}

/* ---- comparison and sign ------------------------------------------------ */

int dec_cmp(struct dec a, struct dec b)
{
	return (a.raw > b.raw) - (a.raw < b.raw);
}

bool dec_eq(struct dec a, struct dec b)
{
	return a.raw == b.raw;
}

bool dec_is_zero(struct dec a)
{
	return a.raw == 0;
}

int dec_sign(struct dec a)
{
	return (a.raw > 0) - (a.raw < 0);
}

struct dec dec_neg(struct dec a)
{
	struct dec d;
	d.raw = -a.raw; /* in range whenever a is: the range is symmetric */
	return d;
}

struct dec dec_abs(struct dec a)
{
	return a.raw < 0 ? dec_neg(a) : a;
}

struct dec dec_min(struct dec a, struct dec b)
{
	return a.raw <= b.raw ? a : b;
}

struct dec dec_max(struct dec a, struct dec b)
{
	return a.raw >= b.raw ? a : b;
}

/* ---- display ------------------------------------------------------------ */

double dec_to_double_display(struct dec a)
{
	/* Split so the fraction keeps its precision next to a large integer. */
	u128 m = mag(a.raw);
	double v = (double)(m / P18) + (double)(uint64_t)(m % P18) / 1e18;
	return a.raw < 0 ? -v : v;
}

const char *dec_status_str(enum dec_status st)
{
	switch (st) {
	case DEC_OK:
		return "ok";
	case DEC_ESYNTAX:
		return "not a decimal number";
	case DEC_EPRECISION:
		return "more than 18 decimal places";
	case DEC_EOVERFLOW:
		return "decimal out of range";
	case DEC_EDIVZERO:
		return "division by zero";
	}
	return "unknown decimal status";
}
