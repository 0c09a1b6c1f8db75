/*
 * test_digest.c — SHA-256 to hex (src/digest.h): the published vectors, a
 * streamed digest equal to the one-shot one, truncation to a prefix, and a
 * context that is finished once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "digest.h"

/* FIPS 180-2 vectors: "abc" and the empty string. */
static void test_sha256_of_known_inputs(void **state)
{
	(void)state;
	char out[DIGEST_SHA256_HEX];
	assert_true(digest_sha256_hex("abc", 3, out));
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(digest_sha256_hex(NULL, 0, out));
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_streamed_digest_equals_one_shot(void **state)
{
	(void)state;
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char whole[DIGEST_SHA256_HEX], parts[DIGEST_SHA256_HEX];
	struct digest d;
	assert_true(digest_sha256_hex(msg, strlen(msg), whole));
	digest_begin(&d);
	for (size_t i = 0; i < strlen(msg); i += 7)
		digest_update(&d, msg + i, strlen(msg) - i < 7 ? strlen(msg) - i : 7);
	digest_update(&d, NULL, 0);
	assert_true(digest_end_hex(&d, parts, DIGEST_SHA256_HEX - 1));
	assert_string_equal(parts, whole);
	assert_string_equal(whole, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_prefix_and_too_long_requests(void **state)
{
	(void)state;
	char out[DIGEST_SHA256_HEX + 8];
	struct digest d;
	digest_begin(&d);
	digest_update(&d, "abc", 3);
	assert_true(digest_end_hex(&d, out, 24));
	assert_string_equal(out, "ba7816bf8f01cfea414140de");
	/* More digits than SHA-256 has is a failure, never padding. */
	digest_begin(&d);
	digest_update(&d, "abc", 3);
	assert_false(digest_end_hex(&d, out, 65));
	assert_string_equal(out, "");
}

/* A finished context is spent: updating or finishing it again fails. */
static void test_finished_context_is_spent(void **state)
{
	(void)state;
	char out[DIGEST_SHA256_HEX];
	struct digest d;
	digest_begin(&d);
	assert_true(digest_end_hex(&d, out, 64));
	digest_update(&d, "x", 1);
	assert_false(digest_end_hex(&d, out, 64));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_of_known_inputs),
		cmocka_unit_test(test_streamed_digest_equals_one_shot),
		cmocka_unit_test(test_prefix_and_too_long_requests),
		cmocka_unit_test(test_finished_context_is_spent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
