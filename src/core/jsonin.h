/*
 * jsonin.h — reading untrusted JSON exactly and with clear errors.
 *
 * cJSON turns every JSON number into a double, which cannot carry money
 * exactly. jsonin_parse therefore attaches to every number node, at any
 * depth, the raw text of its literal (cJSON keeps document order, so the
 * n-th number literal of the text is the n-th number node of a pre-order
 * walk); jsonin_number_text returns it and jsonin_node_dec reads amounts from
 * those digits, never from the double. A JSON number amount is accepted only
 * with at most 15 significant digits (the precision a double is guaranteed to
 * carry, so no client that produced it from a double can have lost digits);
 * longer ones are refused with a request to send the amount as a string.
 * Whether a number or a string, an amount is written as JSON writes a number
 * (jsonin_number_syntax_ok): "+1", ".5", "1.", "01", " 1" and "0x10" are not.
 *
 * cJSON reads the escape \u0000 as a NUL that would cut the string short;
 * jsonin_parse refuses it, naming the member, as it refuses a raw NUL byte.
 *
 * Error messages name the field: "field 'qty': must be > 0".
 */
#ifndef RECKON_JSONIN_H
#define RECKON_JSONIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "dec.h"
#include "err.h"

#define JSONIN_MAX_EXACT_INT 9007199254740992LL /* 2^53: integers beyond are refused */
#define JSONIN_MAX_NUMBER_DIGITS 15  /* significant digits allowed in a JSON number amount */
/* How an amount must be written, for error messages. */
#define JSONIN_NUMBER_RULE "write it as JSON writes a number: no '+', no leading zeros, digits on both sides of '.'"

struct jsonin {
	cJSON *root; /* owned; freed by jsonin_close. Number nodes carry their literal. */
};

/*
 * Parses `len` bytes of `text` as one JSON object. Checks, in order: no NUL
 * byte, valid UTF-8, well-formed JSON, an object at the top, no \u0000
 * escape in any string or member name, no member name twice at the top,
 * every number literal as RFC 8259 writes it (no 01, 1., -.5). Every number
 * node gets its literal's text attached (jsonin_number_text). On success the caller must call jsonin_close(in); on
 * failure nothing needs freeing. `text` may be freed after the call.
 */
enum rk_rc jsonin_parse(const char *text, size_t len, struct jsonin *in /* OUT */,
			struct rk_err *err);

/* Frees what jsonin_parse allocated. NULL-safe and idempotent. */
void jsonin_close(struct jsonin *in);

/* The literal text of a number node parsed by jsonin_parse ("1e-8",
 * "0.10"), or NULL for any other node. Borrowed from the node. */
const char *jsonin_number_text(const cJSON *v);

/*
 * Reads an exact decimal from a node: a JSON string holding a number as JSON
 * writes one ("0.1", "1e-8"; not "+1", ".5", "1.", "01"), or a number node
 * from jsonin_parse with at most 15 significant digits, read from its own
 * digits. RK_EINVAL otherwise, with a reason that names no field (the
 * caller prefixes it).
 */
enum rk_rc jsonin_node_dec(const cJSON *v, struct dec *out /* OUT */, struct rk_err *err);

/* True when `field` is present and not JSON null. */
bool jsonin_has(const struct jsonin *in, const char *field);

/*
 * Reads a string member into buf (cap bytes incl. NUL). Absent or null:
 * RK_ENOTFOUND when `required`, else writes "" and returns RK_OK. Wrong type,
 * empty string or too long: RK_EINVAL.
 */
enum rk_rc jsonin_str(const struct jsonin *in, const char *field, bool required, char *buf,
		      size_t cap, struct rk_err *err);

/*
 * Reads an exact decimal from a JSON string ("0.1") or a JSON number (0.1,
 * at most 15 significant digits). *present (OUT, may be NULL) says whether
 * the field was there. Absent/null and not required: RK_OK with *present
 * false. Bad syntax, NaN/Infinity, too many decimals: RK_EINVAL.
 */
enum rk_rc jsonin_dec(const struct jsonin *in, const char *field, bool required,
		      bool *present, struct dec *out, struct rk_err *err);

/* Reads a boolean member; absent/null gives `dflt`. */
enum rk_rc jsonin_bool(const struct jsonin *in, const char *field, bool dflt, bool *out,
		       struct rk_err *err);

/* ---- field readers ------------------------------------------------------
 *
 * One set of readers for every JSON object reckon reads member by member:
 * venue answers (Coinbase, Binance), scenarios, and (through jsonin_str,
 * jsonin_dec, jsonin_bool) ingest records. Each reads one member of `at->obj`
 * and names it in its error: with a path, "orders[3].qty: missing"; without
 * one, "field 'qty': missing". Absent and JSON null are the same thing.
 *
 * Statuses: RK_OK; RK_ENOTFOUND for a missing required member (RK_EINVAL
 * with JSONIN_MISSING_EINVAL); RK_EINVAL for a wrong type, a bad value or a
 * value out of range; RK_ENOMEM never (nothing is allocated).
 */

/* How a document writes "nothing" and numbers; OR them into jsonin_at.flags. */
#define JSONIN_EMPTY_ABSENT   1u /* "" reads as absent, for every type (Coinbase writes
				  * "" for none) */
#define JSONIN_EMPTY_STRING   2u /* "" is a string's value; an amount or integer written
				  * "" is absent (Binance) */
#define JSONIN_AMOUNT_STRINGS 4u /* an amount must be a decimal string, never a JSON
				  * number (scenarios, Coinbase) */
#define JSONIN_NUMBER_STRINGS 8u /* integers and booleans may also be written as strings
				  * ("42", "true"): Binance */
#define JSONIN_MISSING_EINVAL 16u /* a missing required member is RK_EINVAL, where the
				   * caller keeps RK_ENOTFOUND for something else */
#define JSONIN_BARE_KEYS 32u /* with no path, name a member "k: reason" (a document's top
			      * level, as config.c names "db: missing") */

/* Where the readers look and how their errors name what they read. */
struct jsonin_at {
	const cJSON *obj; /* the object read; NULL or a non-object: every member absent */
	const char *path; /* names obj in errors ("orders[3]"); NULL or "": "field 'k'" */
	unsigned flags;   /* JSONIN_* above; 0: strings non-empty, amounts strings or
			   * numbers of at most 15 significant digits */
};

/* The member `key` of obj, NULL when absent or null. Borrowed. */
const cJSON *jsonin_member(const cJSON *obj, const char *key);

/* Lenient readers for the payloads of journal events, which reckon wrote
 * itself and validated then (audit, projections): the string member `key`
 * of obj, "" when absent or not a string (borrowed); the integer member
 * (an event seq, a run id), 0 when absent or not an integer, read as
 * jsonin_get_int reads one: from its own digits when obj came from
 * jsonin_parse (at most JSONIN_MAX_EXACT_INT in magnitude), else from
 * cJSON's double (below it: a double of 2^53 stands for 2^53 + 1 too).
 * Never for input from outside: that goes through jsonin_get_*. */
const char *jsonin_member_str(const cJSON *obj, const char *key);
int64_t jsonin_member_int(const cJSON *obj, const char *key);

/* Refuses anything but an object whose member names are all in `allowed`
 * (NULL-terminated): "path: must be an object", "path: unknown key 'k'". */
enum rk_rc jsonin_check_keys(const struct jsonin_at *at, const char *const *allowed,
			     struct rk_err *err);

/* A string into buf (cap bytes incl. NUL): must be a string, shorter than
 * cap, without control characters; "" per the flags (refused by default).
 * Absent: "" (RK_ENOTFOUND / RK_EINVAL when `required`). */
enum rk_rc jsonin_get_str(const struct jsonin_at *at, const char *key, bool required, char *buf,
			  size_t cap, struct rk_err *err);

/* An exact decimal (see jsonin_node_dec; JSONIN_AMOUNT_STRINGS: strings
 * only). Absent: *out zero, *present (may be NULL) false. */
enum rk_rc jsonin_get_dec(const struct jsonin_at *at, const char *key, bool required,
			  bool *present, struct dec *out, struct rk_err *err);

/* jsonin_get_dec, then a sign rule: min_sign 0 wants >= 0 ("must be >= 0"),
 * 1 wants > 0 ("must be > 0"). */
enum rk_rc jsonin_get_amount(const struct jsonin_at *at, const char *key, bool required,
			     int min_sign, bool *present, struct dec *out, struct rk_err *err);

/* A whole number in [min, max], read from its literal's digits (a number
 * parsed without jsonin_parse is read from its double, which must be whole
 * and at most 2^53). Absent: *out = dflt, *present (may be NULL) false. */
enum rk_rc jsonin_get_int(const struct jsonin_at *at, const char *key, bool required,
			  int64_t dflt, int64_t min, int64_t max, bool *present, int64_t *out,
			  struct rk_err *err);

/* A boolean; absent gives dflt. */
enum rk_rc jsonin_get_bool(const struct jsonin_at *at, const char *key, bool dflt, bool *out,
			   struct rk_err *err);

/* An RFC 3339 timestamp (rtime_parse) as microseconds since the epoch.
 * Absent: *us 0, *present (may be NULL) false. */
enum rk_rc jsonin_get_time(const struct jsonin_at *at, const char *key, bool required,
			   bool *present, int64_t *us, struct rk_err *err);

/* An array member: *out the array, or NULL when absent (an error when
 * `required`); anything else: "must be an array". */
enum rk_rc jsonin_get_array(const struct jsonin_at *at, const char *key, bool required,
			    const cJSON **out, struct rk_err *err);

/* An object member, as jsonin_get_array for objects. */
enum rk_rc jsonin_get_object(const struct jsonin_at *at, const char *key, bool required,
			     const cJSON **out, struct rk_err *err);

/* True when text[0, len) is digits with an optional leading '-', at most
 * JSONIN_MAX_EXACT_INT in magnitude; *out (OUT) is its value. */
bool jsonin_int_text(const char *text, size_t len, int64_t *out);

/* Validates UTF-8 (rejects overlongs, surrogates, > U+10FFFF). */
bool jsonin_utf8_valid(const char *s, size_t len);

/* True when text[0, len) is a number as RFC 8259 writes one:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
bool jsonin_number_syntax_ok(const char *text, size_t len);

/* Counts significant digits of a JSON number literal (leading zeros and the
 * exponent excluded; trailing zeros of the mantissa count). */
int jsonin_sig_digits(const char *text, size_t len);

#endif
