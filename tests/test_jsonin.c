/*
 * test_jsonin.c — the one set of JSON field readers (src/core/jsonin.h):
 * how each names the field in its error, what absent / null / "" mean under
 * each flag, required versus default, and the allowed-keys check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "jsonin.h"
#include "jsonout.h"

/* Parses `text` (an object) with jsonin_parse; the test frees it. */
static struct jsonin doc(const char *text)
{
	struct jsonin in;
	struct rk_err err = {0};
	if (jsonin_parse(text, strlen(text), &in, &err) != RK_OK)
		fail_msg("jsonin_parse(%s): %s", text, err.msg);
	return in;
}

#define assert_msg(err, want) assert_string_equal((err).msg, (want))

static void test_error_names_the_path_and_key(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"qty\": true}");
	struct jsonin_at with = {in.root, "orders[3]", 0}, without = {in.root, NULL, 0};
	struct rk_err err = {0};
	struct dec d;
	assert_int_equal(jsonin_get_dec(&with, "qty", true, NULL, &d, &err), RK_EINVAL);
	assert_msg(err, "orders[3].qty: must be a decimal string or number");
	assert_int_equal(jsonin_get_dec(&without, "qty", true, NULL, &d, &err), RK_EINVAL);
	assert_msg(err, "field 'qty': must be a decimal string or number");
	jsonin_close(&in);
}

static void test_missing_required_is_enotfound_unless_asked_otherwise(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"a\": null}");
	struct jsonin_at at = {in.root, "x", 0}, inval = {in.root, "x", JSONIN_MISSING_EINVAL};
	struct rk_err err = {0};
	char buf[8];
	assert_int_equal(jsonin_get_str(&at, "a", true, buf, sizeof buf, &err), RK_ENOTFOUND);
	assert_msg(err, "x.a: missing");
	assert_int_equal(jsonin_get_str(&inval, "b", true, buf, sizeof buf, &err), RK_EINVAL);
	assert_msg(err, "x.b: missing");
	assert_int_equal(jsonin_get_str(&at, "a", false, buf, sizeof buf, &err), RK_OK);
	assert_string_equal(buf, "");
	jsonin_close(&in);
}

static void test_string_rules(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"s\": \"abc\", \"n\": 1, \"e\": \"\", \"c\": \"a\\tb\"}");
	struct jsonin_at at = {in.root, NULL, 0};
	struct rk_err err = {0};
	char buf[4], small[3];
	assert_int_equal(jsonin_get_str(&at, "s", true, buf, sizeof buf, &err), RK_OK);
	assert_string_equal(buf, "abc");
	assert_int_equal(jsonin_get_str(&at, "s", true, small, sizeof small, &err), RK_EINVAL);
	assert_msg(err, "field 's': longer than 2 characters");
	assert_int_equal(jsonin_get_str(&at, "n", true, buf, sizeof buf, &err), RK_EINVAL);
	assert_msg(err, "field 'n': must be a string");
	assert_int_equal(jsonin_get_str(&at, "e", true, buf, sizeof buf, &err), RK_EINVAL);
	assert_msg(err, "field 'e': must not be empty");
	assert_int_equal(jsonin_get_str(&at, "c", true, buf, sizeof buf, &err), RK_EINVAL);
	assert_msg(err, "field 'c': contains a control character");
	jsonin_close(&in);
}

static void test_empty_string_flags(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"e\": \"\"}");
	struct jsonin_at absent = {in.root, "o", JSONIN_EMPTY_ABSENT};
	struct jsonin_at value = {in.root, "o", JSONIN_EMPTY_STRING};
	struct rk_err err = {0};
	char buf[4] = "x";
	bool have = true;
	int64_t i = 7;
	struct dec d;
	/* Coinbase: "" is none, for strings and amounts alike. */
	assert_int_equal(jsonin_get_str(&absent, "e", true, buf, sizeof buf, &err), RK_ENOTFOUND);
	assert_msg(err, "o.e: missing");
	assert_int_equal(jsonin_get_dec(&absent, "e", false, &have, &d, &err), RK_OK);
	assert_false(have);
	/* Binance: "" is a string, and none for a number. */
	assert_int_equal(jsonin_get_str(&value, "e", true, buf, sizeof buf, &err), RK_OK);
	assert_string_equal(buf, "");
	assert_int_equal(jsonin_get_int(&value, "e", false, 5, 0, 10, &have, &i, &err), RK_OK);
	assert_false(have);
	assert_int_equal(i, 5);
	jsonin_close(&in);
}

static void test_amounts(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"s\": \"0.10\", \"n\": 0.25, \"bad\": \".5\", \"neg\": \"-1\", "
			       "\"long\": 1.23456789012345678}");
	struct jsonin_at at = {in.root, "p", 0}, strings = {in.root, "p", JSONIN_AMOUNT_STRINGS};
	struct rk_err err = {0};
	struct dec d;
	char buf[DEC_STR_MAX];
	bool have = false;
	assert_int_equal(jsonin_get_dec(&at, "s", true, &have, &d, &err), RK_OK);
	assert_true(have);
	assert_string_equal(dec_format(d, buf), "0.1");
	assert_int_equal(jsonin_get_dec(&at, "n", true, NULL, &d, &err), RK_OK);
	assert_string_equal(dec_format(d, buf), "0.25");
	assert_int_equal(jsonin_get_dec(&strings, "n", true, NULL, &d, &err), RK_EINVAL);
	assert_msg(err, "p.n: an amount must be a decimal string");
	assert_int_equal(jsonin_get_dec(&at, "bad", true, NULL, &d, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "p.bad: '.5' is not a decimal number"));
	assert_int_equal(jsonin_get_dec(&at, "long", true, NULL, &d, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "p.long: JSON number has more than 15"));
	assert_int_equal(jsonin_get_amount(&at, "neg", true, 0, NULL, &d, &err), RK_EINVAL);
	assert_msg(err, "p.neg: must be >= 0");
	assert_int_equal(jsonin_get_amount(&at, "s", true, 1, NULL, &d, &err), RK_OK);
	assert_int_equal(jsonin_get_amount(&at, "absent", false, 1, &have, &d, &err), RK_OK);
	assert_false(have);
	assert_true(dec_is_zero(d));
	jsonin_close(&in);
}

static void test_integers(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"i\": 42, \"f\": 1.5, \"s\": \"-7\", \"big\": 9007199254740993}");
	struct jsonin_at at = {in.root, NULL, 0}, loose = {in.root, NULL, JSONIN_NUMBER_STRINGS};
	struct rk_err err = {0};
	int64_t v;
	bool have;
	assert_int_equal(jsonin_get_int(&at, "i", true, 0, 0, 100, &have, &v, &err), RK_OK);
	assert_true(have);
	assert_int_equal(v, 42);
	assert_int_equal(jsonin_get_int(&at, "i", true, 0, 0, 10, NULL, &v, &err), RK_EINVAL);
	assert_msg(err, "field 'i': must be a whole number from 0 to 10");
	assert_int_equal(jsonin_get_int(&at, "f", true, 0, 0, 10, NULL, &v, &err), RK_EINVAL);
	assert_int_equal(jsonin_get_int(&at, "s", true, 0, -10, 10, NULL, &v, &err), RK_EINVAL);
	assert_int_equal(jsonin_get_int(&loose, "s", true, 0, -10, 10, NULL, &v, &err), RK_OK);
	assert_int_equal(v, -7);
	assert_int_equal(jsonin_get_int(&at, "big", true, 0, INT64_MIN, INT64_MAX, NULL, &v, &err),
			 RK_EINVAL);
	assert_int_equal(jsonin_get_int(&at, "none", false, 60, 0, 100, &have, &v, &err), RK_OK);
	assert_false(have);
	assert_int_equal(v, 60);
	jsonin_close(&in);
}

/* A document parsed by plain cJSON has no literal text: the double is read,
 * when it is whole. */
static void test_integer_without_literal_reads_the_double(void **state)
{
	(void)state;
	cJSON *root = cJSON_Parse("{\"i\": 60, \"f\": 2.5}");
	struct jsonin_at at = {root, "scenario", 0};
	struct rk_err err = {0};
	int64_t v;
	assert_int_equal(jsonin_get_int(&at, "i", true, 0, 0, 100, NULL, &v, &err), RK_OK);
	assert_int_equal(v, 60);
	assert_int_equal(jsonin_get_int(&at, "f", true, 0, 0, 100, NULL, &v, &err), RK_EINVAL);
	cJSON_Delete(root);
}

static void test_booleans(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"t\": true, \"s\": \"false\", \"n\": 1}");
	struct jsonin_at at = {in.root, NULL, 0}, loose = {in.root, NULL, JSONIN_NUMBER_STRINGS};
	struct rk_err err = {0};
	bool b = false;
	assert_int_equal(jsonin_get_bool(&at, "t", false, &b, &err), RK_OK);
	assert_true(b);
	assert_int_equal(jsonin_get_bool(&at, "absent", true, &b, &err), RK_OK);
	assert_true(b);
	assert_int_equal(jsonin_get_bool(&at, "s", true, &b, &err), RK_EINVAL);
	assert_msg(err, "field 's': must be true or false");
	assert_int_equal(jsonin_get_bool(&loose, "s", true, &b, &err), RK_OK);
	assert_false(b);
	assert_int_equal(jsonin_get_bool(&loose, "n", true, &b, &err), RK_EINVAL);
	jsonin_close(&in);
}

static void test_times(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"ts\": \"2024-01-01T00:00:01Z\", \"bad\": \"yesterday\"}");
	struct jsonin_at at = {in.root, "fills[0]", 0};
	struct rk_err err = {0};
	int64_t us;
	bool have;
	assert_int_equal(jsonin_get_time(&at, "ts", true, &have, &us, &err), RK_OK);
	assert_true(have);
	assert_int_equal(us, 1704067201000000LL);
	assert_int_equal(jsonin_get_time(&at, "bad", true, &have, &us, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "fills[0].bad: "));
	assert_int_equal(jsonin_get_time(&at, "none", false, &have, &us, &err), RK_OK);
	assert_false(have);
	assert_int_equal(us, 0);
	jsonin_close(&in);
}

static void test_arrays_and_objects(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"a\": [1], \"o\": {}, \"s\": \"x\"}");
	struct jsonin_at at = {in.root, "body", 0};
	struct rk_err err = {0};
	const cJSON *v;
	assert_int_equal(jsonin_get_array(&at, "a", true, &v, &err), RK_OK);
	assert_true(cJSON_IsArray(v));
	assert_int_equal(jsonin_get_array(&at, "s", false, &v, &err), RK_EINVAL);
	assert_msg(err, "body.s: must be an array");
	assert_null(v);
	assert_int_equal(jsonin_get_array(&at, "none", false, &v, &err), RK_OK);
	assert_null(v);
	assert_int_equal(jsonin_get_object(&at, "o", true, &v, &err), RK_OK);
	assert_int_equal(jsonin_get_object(&at, "a", true, &v, &err), RK_EINVAL);
	assert_msg(err, "body.a: must be an object");
	assert_int_equal(jsonin_get_object(&at, "none", true, &v, &err), RK_ENOTFOUND);
	jsonin_close(&in);
}

static void test_allowed_keys(void **state)
{
	(void)state;
	static const char *const KEYS[] = {"symbol", "qty", NULL};
	struct jsonin in = doc("{\"symbol\": \"X\", \"tick\": \"1\"}");
	struct jsonin good = doc("{\"qty\": \"1\"}");
	struct jsonin_at at = {in.root, "venues.coinbase.instruments[0]", 0};
	struct jsonin_at ok = {good.root, "i", 0}, none = {NULL, "i", 0};
	struct rk_err err = {0};
	assert_int_equal(jsonin_check_keys(&at, KEYS, &err), RK_EINVAL);
	assert_msg(err, "venues.coinbase.instruments[0]: unknown key 'tick'");
	assert_int_equal(jsonin_check_keys(&ok, KEYS, &err), RK_OK);
	assert_int_equal(jsonin_check_keys(&none, KEYS, &err), RK_EINVAL);
	assert_msg(err, "i: must be an object");
	jsonin_close(&in);
	jsonin_close(&good);
}

static void test_member_skips_null(void **state)
{
	(void)state;
	struct jsonin in = doc("{\"n\": null, \"v\": 1}");
	assert_null(jsonin_member(in.root, "n"));
	assert_null(jsonin_member(in.root, "absent"));
	assert_non_null(jsonin_member(in.root, "v"));
	assert_null(jsonin_member(NULL, "v"));
	jsonin_close(&in);
}

/* The lenient readers of the journal's own payloads: "" and 0 for what is
 * absent, null or of another type; integers exact, the same whether the
 * object came from jsonin_parse (its digits) or from cJSON_Parse (a double). */
static void test_member_str_and_int_of_a_payload(void **state)
{
	(void)state;
	static const char TEXT[] =
		"{\"s\": \"x\", \"n\": 12, \"neg\": -7, \"f\": 1.5, \"e\": 1e3,"
		" \"big\": 9007199254740993, \"near\": 9007199254740991, \"q\": \"12\","
		" \"nul\": null, \"t\": true}";
	struct jsonin in = doc(TEXT);
	cJSON *plain = cJSON_Parse(TEXT);
	assert_non_null(plain);
	const cJSON *objs[] = {in.root, plain};
	for (int i = 0; i < 2; i++) {
		const cJSON *o = objs[i];
		assert_string_equal(jsonin_member_str(o, "s"), "x");
		assert_string_equal(jsonin_member_str(o, "n"), "");
		assert_string_equal(jsonin_member_str(o, "nul"), "");
		assert_string_equal(jsonin_member_str(o, "absent"), "");
		assert_string_equal(jsonin_member_str(NULL, "s"), "");
		assert_int_equal(jsonin_member_int(o, "n"), 12);
		assert_int_equal(jsonin_member_int(o, "neg"), -7);
		assert_int_equal(jsonin_member_int(o, "near"), INT64_C(9007199254740991));
		assert_int_equal(jsonin_member_int(o, "f"), 0);
		assert_int_equal(jsonin_member_int(o, "big"), 0);
		assert_int_equal(jsonin_member_int(o, "q"), 0);
		assert_int_equal(jsonin_member_int(o, "t"), 0);
		assert_int_equal(jsonin_member_int(o, "nul"), 0);
		assert_int_equal(jsonin_member_int(o, "absent"), 0);
	}
	/* 1e3 is a whole number as a double; its digits are not an integer */
	assert_int_equal(jsonin_member_int(plain, "e"), 1000);
	assert_int_equal(jsonin_member_int(in.root, "e"), 0);
	/* The strict reader reads a cJSON_Parse'd object alike: 2^53 + 1 came
	 * as the double 2^53, which is refused, not read as 2^53. */
	struct rk_err err = {0};
	int64_t n = -1;
	struct jsonin_at at = {plain, NULL, 0};
	assert_int_equal(jsonin_get_int(&at, "big", true, 0, INT64_MIN, INT64_MAX, NULL, &n, &err),
			 RK_EINVAL);
	assert_int_equal(jsonin_get_int(&at, "near", true, 0, INT64_MIN, INT64_MAX, NULL, &n, &err),
			 RK_OK);
	assert_int_equal(n, INT64_C(9007199254740991));
	cJSON_Delete(plain);
	jsonin_close(&in);
}

static void test_writer_keeps_the_digits(void **state)
{
	(void)state;
	struct dec d;
	cJSON *o = cJSON_CreateObject();
	assert_int_equal(dec_parse_cstr("0.0336", &d), DEC_OK);
	assert_true(jsonout_add_dec(o, "qty", d));
	assert_true(jsonout_add_str(o, "symbol", "TOWNS-USD"));
	char *text = cJSON_PrintUnformatted(o);
	assert_string_equal(text, "{\"qty\":\"0.0336\",\"symbol\":\"TOWNS-USD\"}");
	cJSON_free(text);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_names_the_path_and_key),
		cmocka_unit_test(test_missing_required_is_enotfound_unless_asked_otherwise),
		cmocka_unit_test(test_string_rules),
		cmocka_unit_test(test_empty_string_flags),
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_integer_without_literal_reads_the_double),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_arrays_and_objects),
		cmocka_unit_test(test_allowed_keys),
		cmocka_unit_test(test_member_skips_null),
		cmocka_unit_test(test_member_str_and_int_of_a_payload),
		cmocka_unit_test(test_writer_keeps_the_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
