/*
 * test_dec.c — unit tests for the exact decimal type (src/dec.c).
 *
 * Every expected value is exact text. Small cases are worked by hand; the
 * few large 256-bit cases were cross-checked with Python's decimal module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dec.h"

#define MAX_TEXT "99999999999999999999.999999999999999999"
#define ULP_TEXT "0.000000000000000001"

/* Parses text that the test expects to be valid. */
static struct dec D(const char *s)
{
	struct dec d;
	enum dec_status st = dec_parse_cstr(s, &d);
	if (st != DEC_OK)
		fail_msg("dec_parse_cstr(\"%s\") = %s", s, dec_status_str(st));
	return d;
}

static void check_text(struct dec d, const char *want, const char *file,
		       int line)
{
	char buf[DEC_STR_MAX];
	_assert_string_equal(dec_format(d, buf), want, file, line);
}
#define assert_dec(d, want) check_text((d), (want), __FILE__, __LINE__)

/* Asserts that parsing `s` gives `want_st` and leaves the output alone. */
static void check_parse_fails(const char *s, enum dec_status want_st,
			      const char *file, int line)
{
	struct dec d = dec_from_int(42);
	enum dec_status st = dec_parse_cstr(s, &d);
	if (st != want_st)
		fail_msg("%s:%d: parse(\"%s\") = %s, want %s", file, line, s,
			 dec_status_str(st), dec_status_str(want_st));
	_assert_true(dec_eq(d, dec_from_int(42)), "output untouched", file,
		     line);
}
#define assert_parse_fails(s, st) check_parse_fails((s), (st), __FILE__, __LINE__)

/* Round-trip helper: parse then format. */
#define assert_parse(s, want) assert_dec(D(s), (want))

static struct dec mul(const char *a, const char *b, enum dec_round m)
{
	struct dec r;
	assert_int_equal(dec_mul(D(a), D(b), m, &r), DEC_OK);
	return r;
}

static struct dec divd(const char *a, const char *b, enum dec_round m)
{
	struct dec r;
	assert_int_equal(dec_div(D(a), D(b), m, &r), DEC_OK);
	return r;
}

static struct dec quant(const char *a, const char *inc, enum dec_round m)
{
	struct dec r;
	assert_int_equal(dec_quantize(D(a), D(inc), m, &r), DEC_OK);
	return r;
}

/* ---- parse / format ----------------------------------------------------- */

static void test_parse_plain_integers_and_decimals(void **state)
{
	(void)state;
	assert_parse("0", "0");
	assert_parse("7", "7");
	assert_parse("+7", "7");
	assert_parse("-7", "-7");
	assert_parse("123.456", "123.456");
	assert_parse("-0.0001", "-0.0001");
	assert_parse(ULP_TEXT, ULP_TEXT);
}

static void test_parse_leading_or_trailing_dot(void **state)
{
	(void)state;
	assert_parse(".5", "0.5");
	assert_parse("-.5", "-0.5");
	assert_parse("5.", "5");
	assert_parse("-5.", "-5");
}

static void test_parse_negative_zero_is_zero(void **state)
{
	(void)state;
	struct dec d = D("-0.0");
	assert_true(dec_is_zero(d));
	assert_int_equal(dec_sign(d), 0);
	assert_dec(d, "0");
	assert_parse("-0", "0");
	assert_parse("-0e5", "0");
}

static void test_parse_applies_exponent_exactly(void **state)
{
	(void)state;
	assert_parse("1e-8", "0.00000001");
	assert_parse("2.5E3", "2500");
	assert_parse("1.23e+2", "123");
	assert_parse("1.23e2", "123");
	assert_parse("-4.5e-1", "-0.45");
	assert_parse("1e-18", ULP_TEXT);
	assert_parse("100e-20", ULP_TEXT);
	assert_parse("12345678901234567890e-18", "12.34567890123456789");
	assert_parse("0.000123e6", "123");
	assert_parse("1e19", "10000000000000000000");
	assert_parse(".5e1", "5");
	assert_parse("5.e1", "50");
}

static void test_parse_zero_with_huge_exponent_is_zero(void **state)
{
	(void)state;
	assert_parse("0e99999999999", "0");
	assert_parse("0.000e-99999999999", "0");
}

static void test_parse_rejects_bad_syntax(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "-", "+", ".", "-.", "1e", "1e+", "1e-", "e5", ".e5",
		"1.2.3", " 1", "1 ", "1\n", "0x10", "inf", "-inf", "nan",
		"NaN", "+-1", "-+1", "--1", "1,5", "1e5.5", "1ee5", "1_000",
		"١",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_parse_fails(bad[i], DEC_ESYNTAX);
}

static void test_parse_respects_length_not_nul(void **state)
{
	(void)state;
	struct dec d;
	assert_int_equal(dec_parse("12.5xyz", 4, &d), DEC_OK);
	assert_dec(d, "12.5");
	assert_int_equal(dec_parse("12.5xyz", 5, &d), DEC_ESYNTAX);
	/* An embedded NUL inside len is not a terminator. */
	assert_int_equal(dec_parse("1\0" "2", 3, &d), DEC_ESYNTAX);
	assert_int_equal(dec_parse("", 0, &d), DEC_ESYNTAX);
}

static void test_parse_accepts_18_decimals(void **state)
{
	(void)state;
	assert_parse("0.123456789012345678", "0.123456789012345678");
	assert_parse("0.1234567890123456789e1", "1.234567890123456789");
}

static void test_parse_rejects_19_decimals(void **state)
{
	(void)state;
	assert_parse_fails("0.0000000000000000001", DEC_EPRECISION);
	assert_parse_fails("1.1234567890123456789", DEC_EPRECISION);
	assert_parse_fails("1e-19", DEC_EPRECISION);
	assert_parse_fails("0.12345678901234567891e1", DEC_EPRECISION);
	assert_parse_fails("1e-99999999999", DEC_EPRECISION);
}

static void test_parse_accepts_extra_zero_decimals(void **state)
{
	(void)state;
	assert_parse("1.0000000000000000000000", "1");
	assert_parse("0.1000000000000000000000000000000", "0.1");
	assert_parse("1.5000000000000000000e0", "1.5");
}

static void test_parse_many_leading_zeros(void **state)
{
	(void)state;
	char buf[256];
	memset(buf, '0', 100);
	strcpy(buf + 100, "1.5");
	assert_parse(buf, "1.5");
	buf[0] = '-';
	assert_parse(buf, "-1.5");
}

static void test_parse_long_digit_strings_do_not_overflow(void **state)
{
	(void)state;
	char buf[512];
	/* 300 ones: far beyond 128 bits, must be reported, not wrapped. */
	memset(buf, '1', 300);
	buf[300] = '\0';
	assert_parse_fails(buf, DEC_EOVERFLOW);
	/* 0.<300 zeros>1: beyond 18 decimals. */
	strcpy(buf, "0.");
	memset(buf + 2, '0', 300);
	strcpy(buf + 302, "1");
	assert_parse_fails(buf, DEC_EPRECISION);
	/* 1 followed by 300 zeros, scaled back down into range. */
	buf[0] = '1';
	memset(buf + 1, '0', 300);
	strcpy(buf + 301, "e-300");
	assert_parse(buf, "1");
}

static void test_parse_rejects_integer_part_of_21_digits(void **state)
{
	(void)state;
	assert_parse_fails("100000000000000000000", DEC_EOVERFLOW);
	assert_parse_fails("-100000000000000000000", DEC_EOVERFLOW);
	assert_parse_fails("1e20", DEC_EOVERFLOW);
	assert_parse_fails("0.1e21", DEC_EOVERFLOW);
}

static void test_parse_huge_exponent_is_overflow_not_crash(void **state)
{
	(void)state;
	assert_parse_fails("1e99999999999", DEC_EOVERFLOW);
	assert_parse_fails("1e999999999999999999999999999999", DEC_EOVERFLOW);
	assert_parse_fails("-1e+99999999999", DEC_EOVERFLOW);
}

static void test_parse_max_magnitude_round_trips(void **state)
{
	(void)state;
	assert_parse(MAX_TEXT, MAX_TEXT);
	assert_parse("-" MAX_TEXT, "-" MAX_TEXT);
	char buf[DEC_STR_MAX];
	assert_int_equal(strlen(dec_format(D("-" MAX_TEXT), buf)), 40);
}

static void test_format_is_canonical(void **state)
{
	(void)state;
	assert_parse("1.50", "1.5");
	assert_parse("0.10", "0.1");
	assert_parse("1000.000", "1000");
	assert_parse("100", "100");
	assert_parse("-000.000100", "-0.0001");
	assert_parse("007", "7");
	assert_parse("+0.0", "0");
	assert_parse("10.01", "10.01");
}

static void test_format_equal_values_have_equal_text(void **state)
{
	(void)state;
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	assert_string_equal(dec_format(D("2.5e3"), a),
			    dec_format(D("2500.000"), b));
	assert_string_equal(dec_format(D("-0"), a), dec_format(D("0.0"), b));
}

/* ---- construction ------------------------------------------------------- */

static void test_zero_and_from_int(void **state)
{
	(void)state;
	assert_dec(dec_zero(), "0");
	assert_dec(dec_from_int(0), "0");
	assert_dec(dec_from_int(-1), "-1");
	assert_dec(dec_from_int(123456), "123456");
}

static void test_from_int_extremes(void **state)
{
	(void)state;
	assert_dec(dec_from_int(INT64_MAX), "9223372036854775807");
	assert_dec(dec_from_int(INT64_MIN), "-9223372036854775808");
}

/* ---- add / sub ---------------------------------------------------------- */

static void test_add_and_sub_are_exact(void **state)
{
	(void)state;
	struct dec r;
	assert_int_equal(dec_add(D("0.1"), D("0.2"), &r), DEC_OK);
	assert_dec(r, "0.3");
	assert_int_equal(dec_sub(D("1"), D(ULP_TEXT), &r), DEC_OK);
	assert_dec(r, "0.999999999999999999");
	assert_int_equal(dec_sub(D("1.5"), D("1.5"), &r), DEC_OK);
	assert_dec(r, "0");
	assert_int_equal(dec_add(D("-2.25"), D("1"), &r), DEC_OK);
	assert_dec(r, "-1.25");
}

static void test_add_overflow_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_add(D(MAX_TEXT), D(ULP_TEXT), &r), DEC_EOVERFLOW);
	assert_int_equal(dec_add(D(MAX_TEXT), D(MAX_TEXT), &r), DEC_EOVERFLOW);
	assert_int_equal(dec_add(D("-" MAX_TEXT), D("-" ULP_TEXT), &r),
			 DEC_EOVERFLOW);
	assert_dec(r, "7"); /* untouched */
	assert_int_equal(dec_add(D(MAX_TEXT), D("-" MAX_TEXT), &r), DEC_OK);
	assert_dec(r, "0");
}

static void test_sub_overflow_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_sub(D("-" MAX_TEXT), D(ULP_TEXT), &r),
			 DEC_EOVERFLOW);
	assert_int_equal(dec_sub(D(MAX_TEXT), D("-1"), &r), DEC_EOVERFLOW);
	assert_dec(r, "7");
	assert_int_equal(dec_sub(D(MAX_TEXT), D(MAX_TEXT), &r), DEC_OK);
	assert_dec(r, "0");
}

/* ---- mul ---------------------------------------------------------------- */

static void test_mul_price_times_qty_is_exact(void **state)
{
	(void)state;
	/* 536.6 * 0.0123 = 5.366 + 1.23418 = 6.60018 */
	assert_dec(mul("536.6", "0.0123", DEC_ROUND_HALF_EVEN), "6.60018");
	assert_dec(mul("-536.6", "0.0123", DEC_ROUND_HALF_EVEN), "-6.60018");
	assert_dec(mul("-536.6", "-0.0123", DEC_ROUND_FLOOR), "6.60018");
	assert_dec(mul("0.1", "0.1", DEC_ROUND_DOWN), "0.01");
	assert_dec(mul("0", "-5", DEC_ROUND_HALF_EVEN), "0");
}

static void test_mul_uses_256_bit_intermediate(void **state)
{
	(void)state;
	/* 123456789^2 = 15241578750190521; raw product is ~1.5e54. */
	assert_dec(mul("1234567890.123456789", "1234567890.123456789",
		       DEC_ROUND_HALF_EVEN),
		   "1524157875323883675.019051998750190521");
	assert_dec(mul(MAX_TEXT, "1", DEC_ROUND_HALF_EVEN), MAX_TEXT);
}

static void test_mul_half_even_tie_at_18th_decimal(void **state)
{
	(void)state;
	/* 0.5 ulp -> 0 (even), 1.5 ulp -> 2, 2.5 ulp -> 2. */
	assert_dec(mul(ULP_TEXT, "0.5", DEC_ROUND_HALF_EVEN), "0");
	assert_dec(mul("0.000000000000000003", "0.5", DEC_ROUND_HALF_EVEN),
		   "0.000000000000000002");
	assert_dec(mul("0.000000000000000025", "0.1", DEC_ROUND_HALF_EVEN),
		   "0.000000000000000002");
	assert_dec(mul("0.000000000000000035", "0.1", DEC_ROUND_HALF_EVEN),
		   "0.000000000000000004");
}

static void test_mul_half_even_negative_tie(void **state)
{
	(void)state;
	assert_dec(mul("-" ULP_TEXT, "0.5", DEC_ROUND_HALF_EVEN), "0");
	assert_dec(mul("-0.000000000000000003", "0.5", DEC_ROUND_HALF_EVEN),
		   "-0.000000000000000002");
	assert_dec(mul("0.000000000000000025", "-0.1", DEC_ROUND_HALF_EVEN),
		   "-0.000000000000000002");
}

static void test_mul_half_even_rounds_non_ties_to_nearest(void **state)
{
	(void)state;
	assert_dec(mul(ULP_TEXT, "0.6", DEC_ROUND_HALF_EVEN), ULP_TEXT);
	assert_dec(mul(ULP_TEXT, "0.4", DEC_ROUND_HALF_EVEN), "0");
	assert_dec(mul("-" ULP_TEXT, "0.6", DEC_ROUND_HALF_EVEN),
		   "-" ULP_TEXT);
}

static void test_mul_round_down_truncates_toward_zero(void **state)
{
	(void)state;
	assert_dec(mul("0.000000000000000003", "0.5", DEC_ROUND_DOWN), ULP_TEXT);
	assert_dec(mul("-0.000000000000000003", "0.5", DEC_ROUND_DOWN),
		   "-" ULP_TEXT);
	assert_dec(mul(ULP_TEXT, "0.9", DEC_ROUND_DOWN), "0");
}

static void test_mul_round_floor_goes_toward_minus_infinity(void **state)
{
	(void)state;
	assert_dec(mul(ULP_TEXT, "0.5", DEC_ROUND_FLOOR), "0");
	assert_dec(mul("-" ULP_TEXT, "0.5", DEC_ROUND_FLOOR), "-" ULP_TEXT);
	assert_dec(mul("-" ULP_TEXT, "0.1", DEC_ROUND_FLOOR), "-" ULP_TEXT);
}

static void test_mul_round_ceil_goes_toward_plus_infinity(void **state)
{
	(void)state;
	assert_dec(mul(ULP_TEXT, "0.5", DEC_ROUND_CEIL), ULP_TEXT);
	assert_dec(mul(ULP_TEXT, "0.1", DEC_ROUND_CEIL), ULP_TEXT);
	assert_dec(mul("-" ULP_TEXT, "0.5", DEC_ROUND_CEIL), "0");
}

static void test_mul_large_tie_rounds_to_even(void **state)
{
	(void)state;
	/* MAX * 0.5 = 49999999999999999999.9999999999999999995: a tie with
	 * an odd last digit, so half-even goes up to 5e19. */
	assert_dec(mul(MAX_TEXT, "0.5", DEC_ROUND_HALF_EVEN),
		   "50000000000000000000");
	assert_dec(mul(MAX_TEXT, "0.5", DEC_ROUND_DOWN),
		   "49999999999999999999.999999999999999999");
	assert_dec(mul("-" MAX_TEXT, "0.5", DEC_ROUND_CEIL),
		   "-49999999999999999999.999999999999999999");
}

static void test_mul_overflow_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_mul(D("1e10"), D("1e10"), DEC_ROUND_HALF_EVEN, &r),
			 DEC_EOVERFLOW);
	assert_int_equal(dec_mul(D(MAX_TEXT), D(MAX_TEXT), DEC_ROUND_DOWN, &r),
			 DEC_EOVERFLOW);
	assert_int_equal(dec_mul(D("-" MAX_TEXT), D("1.000000000000000001"),
				 DEC_ROUND_DOWN, &r),
			 DEC_EOVERFLOW);
	assert_dec(r, "7");
	assert_int_equal(dec_mul(D("9999999999"), D("1e10"), DEC_ROUND_DOWN, &r),
			 DEC_OK);
	assert_dec(r, "99999999990000000000");
}

/* ---- div ---------------------------------------------------------------- */

static void test_div_exact_quotients(void **state)
{
	(void)state;
	assert_dec(divd("1", "8", DEC_ROUND_HALF_EVEN), "0.125");
	assert_dec(divd("6.60018", "0.0123", DEC_ROUND_HALF_EVEN), "536.6");
	assert_dec(divd("-10", "4", DEC_ROUND_HALF_EVEN), "-2.5");
	assert_dec(divd("1", ULP_TEXT, DEC_ROUND_HALF_EVEN),
		   "1000000000000000000");
	assert_dec(divd("0", "-3", DEC_ROUND_FLOOR), "0");
}

static void test_div_one_third_in_each_mode(void **state)
{
	(void)state;
	assert_dec(divd("1", "3", DEC_ROUND_HALF_EVEN), "0.333333333333333333");
	assert_dec(divd("2", "3", DEC_ROUND_HALF_EVEN), "0.666666666666666667");
	assert_dec(divd("2", "3", DEC_ROUND_DOWN), "0.666666666666666666");
	assert_dec(divd("2", "3", DEC_ROUND_FLOOR), "0.666666666666666666");
	assert_dec(divd("1", "3", DEC_ROUND_CEIL), "0.333333333333333334");
}

static void test_div_negative_rounding_modes(void **state)
{
	(void)state;
	assert_dec(divd("-2", "3", DEC_ROUND_HALF_EVEN), "-0.666666666666666667");
	assert_dec(divd("2", "-3", DEC_ROUND_DOWN), "-0.666666666666666666");
	assert_dec(divd("-2", "3", DEC_ROUND_FLOOR), "-0.666666666666666667");
	assert_dec(divd("-2", "3", DEC_ROUND_CEIL), "-0.666666666666666666");
	assert_dec(divd("-2", "-3", DEC_ROUND_FLOOR), "0.666666666666666666");
}

static void test_div_half_even_tie_at_18th_decimal(void **state)
{
	(void)state;
	assert_dec(divd(ULP_TEXT, "2", DEC_ROUND_HALF_EVEN), "0");
	assert_dec(divd("0.000000000000000003", "2", DEC_ROUND_HALF_EVEN),
		   "0.000000000000000002");
	assert_dec(divd("-0.000000000000000003", "2", DEC_ROUND_HALF_EVEN),
		   "-0.000000000000000002");
	assert_dec(divd("-" ULP_TEXT, "2", DEC_ROUND_HALF_EVEN), "0");
}

static void test_div_uses_256_bit_intermediate(void **state)
{
	(void)state;
	/* 10^38 - 1 is divisible by 3; mod 7 it leaves 1 (1/7 = .142857...). */
	assert_dec(divd(MAX_TEXT, "3", DEC_ROUND_HALF_EVEN),
		   "33333333333333333333.333333333333333333");
	assert_dec(divd(MAX_TEXT, "7", DEC_ROUND_HALF_EVEN),
		   "14285714285714285714.285714285714285714");
	assert_dec(divd(MAX_TEXT, "7", DEC_ROUND_CEIL),
		   "14285714285714285714.285714285714285715");
	assert_dec(divd("-" MAX_TEXT, "7", DEC_ROUND_FLOOR),
		   "-14285714285714285714.285714285714285715");
	assert_dec(divd(MAX_TEXT, MAX_TEXT, DEC_ROUND_DOWN), "1");
}

static void test_div_by_zero_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_div(D("1"), dec_zero(), DEC_ROUND_HALF_EVEN, &r),
			 DEC_EDIVZERO);
	assert_int_equal(dec_div(dec_zero(), D("-0"), DEC_ROUND_HALF_EVEN, &r),
			 DEC_EDIVZERO);
	assert_dec(r, "7");
}

static void test_div_overflow_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_div(D("1e19"), D("0.01"), DEC_ROUND_HALF_EVEN, &r),
			 DEC_EOVERFLOW);
	assert_int_equal(dec_div(D("-" MAX_TEXT), D(ULP_TEXT),
				 DEC_ROUND_HALF_EVEN, &r),
			 DEC_EOVERFLOW);
	assert_dec(r, "7");
}

/* ---- muldiv ------------------------------------------------------------- */

static void test_muldiv_pro_rata_one_third(void **state)
{
	(void)state;
	struct dec r;
	assert_int_equal(dec_muldiv(D("100"), D("1"), D("3"),
				    DEC_ROUND_HALF_EVEN, &r),
			 DEC_OK);
	assert_dec(r, "33.333333333333333333");
	assert_int_equal(dec_muldiv(D("100"), D("2"), D("3"),
				    DEC_ROUND_HALF_EVEN, &r),
			 DEC_OK);
	assert_dec(r, "66.666666666666666667");
	assert_int_equal(dec_muldiv(D("100"), D("2"), D("3"), DEC_ROUND_DOWN,
				    &r),
			 DEC_OK);
	assert_dec(r, "66.666666666666666666");
}

static void test_muldiv_rounds_once(void **state)
{
	(void)state;
	/* A case where rounding after the multiply and again after the
	 * divide gives a different answer from a single rounding. */
	struct dec r, tmp, twostep;
	assert_int_equal(dec_muldiv(D("0.000000000000000002"), D("0.75"),
				    D("0.5"), DEC_ROUND_HALF_EVEN, &r),
			 DEC_OK);
	/* exact: 2 ulp * 0.75 / 0.5 = 3 ulp */
	assert_dec(r, "0.000000000000000003");
	/* two roundings: 1.5 ulp -> 2 ulp, then / 0.5 -> 4 ulp (wrong). */
	assert_int_equal(dec_mul(D("0.000000000000000002"), D("0.75"),
				 DEC_ROUND_HALF_EVEN, &tmp),
			 DEC_OK);
	assert_int_equal(dec_div(tmp, D("0.5"), DEC_ROUND_HALF_EVEN, &twostep),
			 DEC_OK);
	assert_dec(twostep, "0.000000000000000004");
}

static void test_muldiv_negative_signs(void **state)
{
	(void)state;
	struct dec r;
	assert_int_equal(dec_muldiv(D("-100"), D("1"), D("3"), DEC_ROUND_FLOOR,
				    &r),
			 DEC_OK);
	assert_dec(r, "-33.333333333333333334");
	assert_int_equal(dec_muldiv(D("-100"), D("-1"), D("-3"),
				    DEC_ROUND_CEIL, &r),
			 DEC_OK);
	assert_dec(r, "-33.333333333333333333");
	assert_int_equal(dec_muldiv(D("100"), D("-2"), D("-3"),
				    DEC_ROUND_HALF_EVEN, &r),
			 DEC_OK);
	assert_dec(r, "66.666666666666666667");
}

static void test_muldiv_intermediate_beyond_range_is_fine(void **state)
{
	(void)state;
	/* a*b = ~1e40 is out of range, but a*b/c is not. */
	struct dec r;
	assert_int_equal(dec_muldiv(D(MAX_TEXT), D(MAX_TEXT), D(MAX_TEXT),
				    DEC_ROUND_HALF_EVEN, &r),
			 DEC_OK);
	assert_dec(r, MAX_TEXT);
}

static void test_muldiv_by_zero_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_muldiv(D("1"), D("1"), dec_zero(),
				    DEC_ROUND_HALF_EVEN, &r),
			 DEC_EDIVZERO);
	assert_dec(r, "7");
}

static void test_muldiv_overflow_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_muldiv(D(MAX_TEXT), D("2"), D("1"),
				    DEC_ROUND_HALF_EVEN, &r),
			 DEC_EOVERFLOW);
	assert_dec(r, "7");
}

/* ---- quantize ----------------------------------------------------------- */

static void test_quantize_to_tick_0_01(void **state)
{
	(void)state;
	assert_dec(quant("123.456", "0.01", DEC_ROUND_HALF_EVEN), "123.46");
	assert_dec(quant("123.456", "0.01", DEC_ROUND_DOWN), "123.45");
	assert_dec(quant("123.456", "0.01", DEC_ROUND_FLOOR), "123.45");
	assert_dec(quant("123.451", "0.01", DEC_ROUND_CEIL), "123.46");
	assert_dec(quant("-123.456", "0.01", DEC_ROUND_FLOOR), "-123.46");
	assert_dec(quant("-123.456", "0.01", DEC_ROUND_CEIL), "-123.45");
	assert_dec(quant("-123.456", "0.01", DEC_ROUND_DOWN), "-123.45");
	assert_dec(quant("123.45", "0.01", DEC_ROUND_CEIL), "123.45");
}

static void test_quantize_half_even_ties(void **state)
{
	(void)state;
	assert_dec(quant("0.125", "0.01", DEC_ROUND_HALF_EVEN), "0.12");
	assert_dec(quant("0.135", "0.01", DEC_ROUND_HALF_EVEN), "0.14");
	assert_dec(quant("-0.125", "0.01", DEC_ROUND_HALF_EVEN), "-0.12");
	assert_dec(quant("-0.005", "0.01", DEC_ROUND_HALF_EVEN), "0");
}

static void test_quantize_to_step_0_001(void **state)
{
	(void)state;
	assert_dec(quant("1.23456", "0.001", DEC_ROUND_DOWN), "1.234");
	assert_dec(quant("1.23456", "0.001", DEC_ROUND_CEIL), "1.235");
	assert_dec(quant("0.0004", "0.001", DEC_ROUND_HALF_EVEN), "0");
	assert_dec(quant("0.0005", "0.001", DEC_ROUND_HALF_EVEN), "0");
	assert_dec(quant("0.0015", "0.001", DEC_ROUND_HALF_EVEN), "0.002");
	assert_dec(quant("-0.0004", "0.001", DEC_ROUND_FLOOR), "-0.001");
}

static void test_quantize_non_power_of_ten_increment(void **state)
{
	(void)state;
	assert_dec(quant("7", "5", DEC_ROUND_HALF_EVEN), "5");
	assert_dec(quant("7.5", "5", DEC_ROUND_HALF_EVEN), "10");
	assert_dec(quant("12.5", "5", DEC_ROUND_HALF_EVEN), "10");
	assert_dec(quant("1", "0.3", DEC_ROUND_CEIL), "1.2");
	assert_dec(quant("-1", "0.3", DEC_ROUND_CEIL), "-0.9");
}

static void test_quantize_rejects_non_positive_increment(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_quantize(D("1"), dec_zero(), DEC_ROUND_DOWN, &r),
			 DEC_ESYNTAX);
	assert_int_equal(dec_quantize(D("1"), D("-0.01"), DEC_ROUND_DOWN, &r),
			 DEC_ESYNTAX);
	assert_dec(r, "7");
}

static void test_quantize_overflow_is_reported(void **state)
{
	(void)state;
	struct dec r = dec_from_int(7);
	assert_int_equal(dec_quantize(D(MAX_TEXT), D("1"), DEC_ROUND_CEIL, &r),
			 DEC_EOVERFLOW);
	assert_int_equal(dec_quantize(D("-" MAX_TEXT), D("1"),
				      DEC_ROUND_HALF_EVEN, &r),
			 DEC_EOVERFLOW);
	assert_dec(r, "7");
	assert_int_equal(dec_quantize(D(MAX_TEXT), D("1"), DEC_ROUND_DOWN, &r),
			 DEC_OK);
	assert_dec(r, "99999999999999999999");
}

/* ---- comparison and sign ------------------------------------------------ */

static void test_cmp_and_eq(void **state)
{
	(void)state;
	assert_int_equal(dec_cmp(D("1.5"), D("1.50")), 0);
	assert_int_equal(dec_cmp(D("1.5"), D("1.500000000000000001")), -1);
	assert_int_equal(dec_cmp(D("-1"), D("-2")), 1);
	assert_int_equal(dec_cmp(D("-" MAX_TEXT), D(MAX_TEXT)), -1);
	assert_true(dec_eq(D("2.5e3"), D("2500")));
	assert_false(dec_eq(D("1"), D("-1")));
}

static void test_sign_and_is_zero(void **state)
{
	(void)state;
	assert_int_equal(dec_sign(D("-" ULP_TEXT)), -1);
	assert_int_equal(dec_sign(D("0")), 0);
	assert_int_equal(dec_sign(D(ULP_TEXT)), 1);
	assert_true(dec_is_zero(dec_zero()));
	assert_false(dec_is_zero(D(ULP_TEXT)));
}

static void test_neg_and_abs(void **state)
{
	(void)state;
	assert_dec(dec_neg(D("1.5")), "-1.5");
	assert_dec(dec_neg(D("-1.5")), "1.5");
	assert_dec(dec_neg(dec_zero()), "0");
	assert_dec(dec_neg(D(MAX_TEXT)), "-" MAX_TEXT);
	assert_dec(dec_abs(D("-" MAX_TEXT)), MAX_TEXT);
	assert_dec(dec_abs(D("2")), "2");
	assert_dec(dec_abs(D("-0")), "0");
}

static void test_min_and_max(void **state)
{
	(void)state;
	assert_dec(dec_min(D("1"), D("-2")), "-2");
	assert_dec(dec_max(D("1"), D("-2")), "1");
	assert_dec(dec_min(D("0.1"), D("0.10")), "0.1");
	assert_dec(dec_max(D("-" ULP_TEXT), dec_zero()), "0");
}

/* ---- display and status ------------------------------------------------- */

static void test_to_double_display(void **state)
{
	(void)state;
	/* Values exactly representable in binary, so == is safe here. */
	assert_true(dec_to_double_display(D("1.5")) == 1.5);
	assert_true(dec_to_double_display(D("-0.25")) == -0.25);
	assert_true(dec_to_double_display(dec_zero()) == 0.0);
	assert_true(dec_to_double_display(D("1e19")) == 1e19);
}

static void test_status_str(void **state)
{
	(void)state;
	assert_string_equal(dec_status_str(DEC_EPRECISION),
			    "more than 18 decimal places");
	assert_non_null(dec_status_str(DEC_OK));
	assert_non_null(dec_status_str(DEC_ESYNTAX));
	assert_non_null(dec_status_str(DEC_EOVERFLOW));
	assert_non_null(dec_status_str(DEC_EDIVZERO));
	assert_non_null(dec_status_str((enum dec_status)99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain_integers_and_decimals),
		cmocka_unit_test(test_parse_leading_or_trailing_dot),
		cmocka_unit_test(test_parse_negative_zero_is_zero),
		cmocka_unit_test(test_parse_applies_exponent_exactly),
		cmocka_unit_test(test_parse_zero_with_huge_exponent_is_zero),
		cmocka_unit_test(test_parse_rejects_bad_syntax),
		cmocka_unit_test(test_parse_respects_length_not_nul),
		cmocka_unit_test(test_parse_accepts_18_decimals),
		cmocka_unit_test(test_parse_rejects_19_decimals),
		cmocka_unit_test(test_parse_accepts_extra_zero_decimals),
		cmocka_unit_test(test_parse_many_leading_zeros),
		cmocka_unit_test(test_parse_long_digit_strings_do_not_overflow),
		cmocka_unit_test(test_parse_rejects_integer_part_of_21_digits),
		cmocka_unit_test(test_parse_huge_exponent_is_overflow_not_crash),
		cmocka_unit_test(test_parse_max_magnitude_round_trips),
		cmocka_unit_test(test_format_is_canonical),
		cmocka_unit_test(test_format_equal_values_have_equal_text),
		cmocka_unit_test(test_zero_and_from_int),
		cmocka_unit_test(test_from_int_extremes),
		cmocka_unit_test(test_add_and_sub_are_exact),
		cmocka_unit_test(test_add_overflow_is_reported),
		cmocka_unit_test(test_sub_overflow_is_reported),
		cmocka_unit_test(test_mul_price_times_qty_is_exact),
		cmocka_unit_test(test_mul_uses_256_bit_intermediate),
		cmocka_unit_test(test_mul_half_even_tie_at_18th_decimal),
		cmocka_unit_test(test_mul_half_even_negative_tie),
		cmocka_unit_test(test_mul_half_even_rounds_non_ties_to_nearest),
		cmocka_unit_test(test_mul_round_down_truncates_toward_zero),
		cmocka_unit_test(test_mul_round_floor_goes_toward_minus_infinity),
		cmocka_unit_test(test_mul_round_ceil_goes_toward_plus_infinity),
		cmocka_unit_test(test_mul_large_tie_rounds_to_even),
		cmocka_unit_test(test_mul_overflow_is_reported),
		cmocka_unit_test(test_div_exact_quotients),
		cmocka_unit_test(test_div_one_third_in_each_mode),
		cmocka_unit_test(test_div_negative_rounding_modes),
		cmocka_unit_test(test_div_half_even_tie_at_18th_decimal),
		cmocka_unit_test(test_div_uses_256_bit_intermediate),
		cmocka_unit_test(test_div_by_zero_is_reported),
		cmocka_unit_test(test_div_overflow_is_reported),
		cmocka_unit_test(test_muldiv_pro_rata_one_third),
		cmocka_unit_test(test_muldiv_rounds_once),
		cmocka_unit_test(test_muldiv_negative_signs),
		cmocka_unit_test(test_muldiv_intermediate_beyond_range_is_fine),
		cmocka_unit_test(test_muldiv_by_zero_is_reported),
		cmocka_unit_test(test_muldiv_overflow_is_reported),
		cmocka_unit_test(test_quantize_to_tick_0_01),
		cmocka_unit_test(test_quantize_half_even_ties),
		cmocka_unit_test(test_quantize_to_step_0_001),
		cmocka_unit_test(test_quantize_non_power_of_ten_increment),
		cmocka_unit_test(test_quantize_rejects_non_positive_increment),
		cmocka_unit_test(test_quantize_overflow_is_reported),
		cmocka_unit_test(test_cmp_and_eq),
		cmocka_unit_test(test_sign_and_is_zero),
		cmocka_unit_test(test_neg_and_abs),
		cmocka_unit_test(test_min_and_max),
		cmocka_unit_test(test_to_double_display),
		cmocka_unit_test(test_status_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
