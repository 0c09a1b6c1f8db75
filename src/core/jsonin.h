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

#include <cjson/cJSON.h>

#include "dec.h"
#include "err.h"

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

/* Validates UTF-8 (rejects overlongs, surrogates, > U+10FFFF). */
bool jsonin_utf8_valid(const char *s, size_t len);

/* True when text[0, len) is a number as RFC 8259 writes one:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
bool jsonin_number_syntax_ok(const char *text, size_t len);

/* Counts significant digits of a JSON number literal (leading zeros and the
 * exponent excluded; trailing zeros of the mantissa count). */
int jsonin_sig_digits(const char *text, size_t len);

#endif
