/*
 * dec.h — exact fixed-point decimal amounts (quantities, prices, fees, P&L).
 *
 * Money never goes through binary floating point in reckon. A `struct dec`
 * holds a signed 128-bit integer count of 10^-18 units, so it represents
 * every decimal with at most 18 fractional digits and an absolute value
 * below 10^20 (DEC_RAW_MAX = 10^38 - 1 raw units). That covers quantities
 * up to 1e15 units and prices down to 1e-12 with room to spare.
 *
 * Arithmetic is checked: a result outside the range returns DEC_EOVERFLOW
 * and leaves *out untouched; nothing ever wraps. Products and quotients use
 * a 256-bit intermediate and round once, half-even, to 18 decimals; that is
 * the only place rounding happens implicitly (documented per function).
 * Parsing never rounds: an input with more than 18 significant fractional
 * digits is rejected with DEC_EPRECISION.
 *
 * The canonical text form (dec_format) is the shortest exact decimal:
 * no exponent, no leading '+', no trailing fractional zeros, no trailing
 * '.', "0" for zero (never "-0"). Equal values have equal text, so the TEXT
 * stored in SQLite can be compared for equality.
 *
 * All functions are pure and thread-safe. No allocation.
 */
#ifndef RECKON_DEC_H
#define RECKON_DEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_SCALE 18 /* fractional digits */
/* Longest canonical text: '-' + 20 integer digits + '.' + 18 digits + NUL. */
#define DEC_STR_MAX 48

struct dec {
	__int128 raw; /* value * 10^18; |raw| <= DEC_RAW_MAX */
};

enum dec_status {
	DEC_OK = 0,
	DEC_ESYNTAX,    /* not a decimal number */
	DEC_EPRECISION, /* more than 18 fractional digits that are not zero */
	DEC_EOVERFLOW,  /* |value| >= 10^20, or an operation's result would be */
	DEC_EDIVZERO    /* division by zero */
};

enum dec_round {
	DEC_ROUND_HALF_EVEN = 0, /* banker's rounding: the default */
	DEC_ROUND_DOWN,          /* toward zero (truncate) */
	DEC_ROUND_FLOOR,         /* toward -infinity */
	DEC_ROUND_CEIL           /* toward +infinity */
};

/* Constants. */
struct dec dec_zero(void);
/* The integer `v` as a decimal. Always in range for int64. */
struct dec dec_from_int(int64_t v);

/*
 * Parses `len` bytes of `s` (need not be NUL-terminated) as
 *   [+-]? digits [ '.' digits? ]? ( [eE] [+-]? digits )?
 * or '.' digits (".5"). At least one digit is required in the mantissa.
 * No whitespace, no hex, no "inf"/"nan". An exponent is applied exactly
 * (1e-8, 2.5E3). Fractional digits beyond 18 are accepted only if they are
 * all zero. Returns DEC_OK and sets *out (OUT), or an error and leaves *out
 * untouched.
 */
enum dec_status dec_parse(const char *s, size_t len, struct dec *out);

/* dec_parse on a NUL-terminated string. */
enum dec_status dec_parse_cstr(const char *s, struct dec *out);

/*
 * Writes the canonical text of `a` into buf (NUL-terminated). `buf` must hold
 * DEC_STR_MAX bytes. Returns buf, for use inside printf arguments.
 */
char *dec_format(struct dec a, char buf[DEC_STR_MAX]);

/* Checked arithmetic. *out is written only on DEC_OK. */
enum dec_status dec_add(struct dec a, struct dec b, struct dec *out);
enum dec_status dec_sub(struct dec a, struct dec b, struct dec *out);
/* a * b exactly in 256 bits, then rounded once to 18 decimals with `mode`. */
enum dec_status dec_mul(struct dec a, struct dec b, enum dec_round mode,
			struct dec *out);
/* a / b computed in 256 bits, rounded once to 18 decimals with `mode`. */
enum dec_status dec_div(struct dec a, struct dec b, enum dec_round mode,
			struct dec *out);
/*
 * a * b / c with a single rounding (256-bit product, then divide). Used for
 * pro-rata splits such as cost * part_qty / lot_qty so that no intermediate
 * rounding accumulates.
 */
enum dec_status dec_muldiv(struct dec a, struct dec b, struct dec c,
			   enum dec_round mode, struct dec *out);

/*
 * Rounds `a` to a whole multiple of `increment` (> 0), e.g. a venue's tick
 * size or step size. DEC_EINVAL-like misuse (increment <= 0) returns
 * DEC_ESYNTAX.
 */
enum dec_status dec_quantize(struct dec a, struct dec increment,
			     enum dec_round mode, struct dec *out);

int dec_cmp(struct dec a, struct dec b); /* -1, 0 or 1 */
bool dec_eq(struct dec a, struct dec b);
bool dec_is_zero(struct dec a);
int dec_sign(struct dec a); /* -1, 0 or 1 */
struct dec dec_neg(struct dec a); /* always in range: the range is symmetric */
struct dec dec_abs(struct dec a);
struct dec dec_min(struct dec a, struct dec b);
struct dec dec_max(struct dec a, struct dec b);

/* For display and statistics only: never feed the result back into money. */
double dec_to_double_display(struct dec a);

/* Static description of a status, e.g. "more than 18 decimal places". */
const char *dec_status_str(enum dec_status st);

#endif
