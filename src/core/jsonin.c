/* jsonin.c — exact, field-named reading of untrusted JSON objects (see jsonin.h). */
#include "jsonin.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtime.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool jsonin_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned cp;
		if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07;
		else return false;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

int jsonin_sig_digits(const char *text, size_t len)
{
	int n = 0;
	bool leading = true;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == 'e' || c == 'E')
			break;
		if (!isdigit((unsigned char)c))
			continue;
		if (leading && c == '0')
			continue;
		leading = false;
		n++;
	}
	return n;
}

bool jsonin_number_syntax_ok(const char *t, size_t len)
{
	size_t i = 0, from;
	if (i < len && t[i] == '-')
		i++;
	if (i >= len || !is_digit(t[i]))
		return false;
	if (t[i++] != '0')
		while (i < len && is_digit(t[i]))
			i++;
	if (i < len && t[i] == '.') {
		for (from = ++i; i < len && is_digit(t[i]); i++)
			;
		if (i == from)
			return false;
	}
	if (i < len && (t[i] == 'e' || t[i] == 'E')) {
		if (++i < len && (t[i] == '+' || t[i] == '-'))
			i++;
		for (from = i; i < len && is_digit(t[i]); i++)
			;
		if (i == from)
			return false;
	}
	return i == len;
}

/* The next number literal in text[*pos, len) outside strings; true with
 * *start and *n set, false when there is none. true/false/null hold no
 * digit, so every '-' or digit outside a string starts a number. */
static bool next_number(const char *t, size_t len, size_t *pos, size_t *start, size_t *n)
{
	for (size_t i = *pos; i < len; i++) {
		char c = t[i];
		if (c == '"') {
			for (i++; i < len && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
		} else if (c == '-' || is_digit(c)) {
			size_t j = i + 1;
			while (j < len && (is_digit(t[j]) || strchr("+-.eE", t[j])))
				j++;
			*start = i, *n = j - i, *pos = j;
			return true;
		}
	}
	*pos = len;
	return false;
}

/*
 * Attaches to each number node, in pre-order (document order), the text of
 * the next number literal, and refuses a literal that JSON does not allow
 * but cJSON's strtod reads anyway (01, 1., -.5, 1.e5). `field` is the
 * top-level member the nodes belong to. cJSON_Delete frees valuestring of
 * any node.
 */
static enum rk_rc attach_numbers(cJSON *node, const char *field, const char *t, size_t len,
				 size_t *pos, struct rk_err *err)
{
	for (; node; node = node->next) {
		const char *name = field ? field : node->string;
		if (cJSON_IsNumber(node)) {
			size_t start, n;
			if (!next_number(t, len, pos, &start, &n))
				return rk_err_set(err, RK_EINVAL, "field '%s': number literal not found", name);
			if (!jsonin_number_syntax_ok(t + start, n))
				return rk_err_set(err, RK_EINVAL,
						  "field '%s': malformed JSON number '%.*s' (%s)", name,
						  n > 40 ? 40 : (int)n, t + start, JSONIN_NUMBER_RULE);
			if (!(node->valuestring = malloc(n + 1)))
				return rk_err_set(err, RK_ENOMEM, "out of memory reading JSON numbers");
			memcpy(node->valuestring, t + start, n);
			node->valuestring[n] = '\0';
		} else if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
			enum rk_rc rc = attach_numbers(node->child, name, t, len, pos, err);
			if (rc)
				return rc;
		}
	}
	return RK_OK;
}

/*
 * cJSON decodes the escape \u0000 into a NUL that ends the C string, so
 * "F\u0000a" would read as "F" (and a second "F\u0000b" as its duplicate).
 * Finds such an escape in the already parsed text: true with *member set to
 * the index of the top-level member it belongs to and *in_name telling
 * whether it is in that member's name.
 */
static bool find_nul_escape(const char *t, size_t len, int *member, bool *in_name)
{
	int depth = 0, m = -1;
	char prev = 0; /* the last structural character outside strings */
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (c == '"') {
			bool name = depth == 1 && (prev == '{' || prev == ',');
			m += name;
			for (i++; i < len && t[i] != '"'; i++) {
				if (t[i] != '\\')
					continue;
				i++; /* the escaped character: skipped by the loop */
				if (i + 4 < len && t[i] == 'u' && memcmp(t + i + 1, "0000", 4) == 0) {
					*member = m, *in_name = name;
					return true;
				}
			}
			prev = '"';
		} else if (c == '{' || c == '[') {
			depth++, prev = c;
		} else if (c == '}' || c == ']') {
			depth--, prev = c;
		} else if (c == ',' || c == ':') {
			prev = c;
		}
	}
	return false;
}

static enum rk_rc check_nul_escape(const cJSON *root, const char *t, size_t len,
				   struct rk_err *err)
{
	int member;
	bool in_name;
	if (!find_nul_escape(t, len, &member, &in_name))
		return RK_OK;
	const cJSON *v = root->child;
	for (int k = 0; v && k < member; k++)
		v = v->next;
	const char *name = v && v->string ? v->string : "?";
	if (in_name)
		return rk_err_set(err, RK_EINVAL,
				  "field name '%s\\u0000...' contains \\u0000 (a NUL character)", name);
	return rk_err_set(err, RK_EINVAL, "field '%s': contains \\u0000 (a NUL character)", name);
}

/* Duplicate member names are ambiguous (which one counts?): refused, and so
 * is an object of more than 256 members. */
static enum rk_rc check_members(const cJSON *root, struct rk_err *err)
{
	int members = 0;
	for (const cJSON *a = root->child; a; a = a->next) {
		if (++members > 256)
			return rk_err_set(err, RK_EINVAL, "object has more than 256 fields");
		for (const cJSON *b = a->next; b; b = b->next)
			if (strcmp(a->string, b->string) == 0)
				return rk_err_set(err, RK_EINVAL, "field '%s': appears twice", a->string);
	}
	return RK_OK;
}

const char *jsonin_number_text(const cJSON *v)
{
	return cJSON_IsNumber(v) ? v->valuestring : NULL;
}

enum rk_rc jsonin_parse(const char *text, size_t len, struct jsonin *in, struct rk_err *err)
{
	memset(in, 0, sizeof *in);
	if (memchr(text, '\0', len))
		return rk_err_set(err, RK_EINVAL, "contains a NUL byte");
	if (!jsonin_utf8_valid(text, len))
		return rk_err_set(err, RK_EINVAL, "not valid UTF-8");
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		const char *where = cJSON_GetErrorPtr();
		if (where && where >= text && where <= text + len)
			off = (size_t)(where - text);
		return rk_err_set(err, RK_EINVAL, "malformed JSON near byte %zu", off + 1);
	}
	enum rk_rc rc = RK_OK;
	size_t pos = 0, parsed = end ? (size_t)(end - text) : len;
	/* Anything after the object other than whitespace is an error too. */
	for (const char *p = text + parsed; p < text + len && !rc; p++)
		if (!isspace((unsigned char)*p))
			rc = rk_err_set(err, RK_EINVAL, "malformed JSON: trailing data after the JSON object");
	if (!rc && !cJSON_IsObject(root))
		rc = rk_err_set(err, RK_EINVAL, "JSON text is not an object (the top level must be an object)");
	if (!rc)
		rc = check_nul_escape(root, text, parsed, err);
	if (!rc)
		rc = check_members(root, err);
	if (!rc)
		rc = attach_numbers(root->child, NULL, text, parsed, &pos, err);
	if (rc)
		cJSON_Delete(root);
	else
		in->root = root;
	return rc;
}

void jsonin_close(struct jsonin *in)
{
	if (!in)
		return;
	cJSON_Delete(in->root);
	in->root = NULL;
}

enum rk_rc jsonin_node_dec(const cJSON *v, struct dec *out, struct rk_err *err)
{
	const char *text;
	size_t len;
	if (cJSON_IsString(v)) {
		text = v->valuestring, len = strlen(text);
		if (!jsonin_number_syntax_ok(text, len))
			return rk_err_set(err, RK_EINVAL, "'%.40s%s' is not a decimal number (%s)", text,
					  len > 40 ? "..." : "", JSONIN_NUMBER_RULE);
	} else if (cJSON_IsNumber(v) && (text = jsonin_number_text(v))) {
		len = strlen(text);
		if (jsonin_sig_digits(text, len) > JSONIN_MAX_NUMBER_DIGITS)
			return rk_err_set(err, RK_EINVAL,
					  "JSON number has more than %d significant digits and may not "
					  "be exact; write it as a string",
					  JSONIN_MAX_NUMBER_DIGITS);
	} else if (cJSON_IsNumber(v)) {
		return rk_err_set(err, RK_EINVAL,
				  "number could not be read exactly; write it as a string");
	} else {
		return rk_err_set(err, RK_EINVAL, "must be a decimal string or number");
	}
	enum dec_status st = dec_parse(text, len, out);
	return st == DEC_OK ? RK_OK
			    : rk_err_set(err, RK_EINVAL, "%s ('%.40s%s')", dec_status_str(st), text,
					 len > 40 ? "..." : "");
}

bool jsonin_has(const struct jsonin *in, const char *field)
{
	return jsonin_member(in->root, field) != NULL;
}

/* ---- field readers ------------------------------------------------------ */

const cJSON *jsonin_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	return v && !cJSON_IsNull(v) ? v : NULL;
}

const char *jsonin_member_str(const cJSON *obj, const char *key)
{
	const cJSON *v = jsonin_member(obj, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Sets err to "<name of key>: <message>" and returns rc. */
__attribute__((format(printf, 5, 6))) static enum rk_rc
fail(const struct jsonin_at *at, const char *key, enum rk_rc rc, struct rk_err *err,
     const char *fmt, ...)
{
	char msg[RK_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (at->path && at->path[0])
		return rk_err_set(err, rc, "%s.%s: %s", at->path, key, msg);
	if (at->flags & JSONIN_BARE_KEYS)
		return rk_err_set(err, rc, "%s: %s", key, msg);
	return rk_err_set(err, rc, "field '%s': %s", key, msg);
}

static enum rk_rc missing(const struct jsonin_at *at, const char *key, struct rk_err *err)
{
	return fail(at, key, at->flags & JSONIN_MISSING_EINVAL ? RK_EINVAL : RK_ENOTFOUND, err,
		    "missing");
}

static bool is_empty_string(const cJSON *v)
{
	return cJSON_IsString(v) && v->valuestring[0] == '\0';
}

/* The member, or NULL when it counts as absent: "" for amounts and integers
 * (`number`) under either empty flag, for strings under JSONIN_EMPTY_ABSENT. */
static const cJSON *present_member(const struct jsonin_at *at, const char *key, bool number)
{
	const cJSON *v = jsonin_member(at->obj, key);
	unsigned absent = number ? JSONIN_EMPTY_ABSENT | JSONIN_EMPTY_STRING : JSONIN_EMPTY_ABSENT;
	return v && is_empty_string(v) && (at->flags & absent) ? NULL : v;
}

enum rk_rc jsonin_check_keys(const struct jsonin_at *at, const char *const *allowed,
			     struct rk_err *err)
{
	const char *path = at->path && at->path[0] ? at->path : "object";
	if (!cJSON_IsObject(at->obj))
		return rk_err_set(err, RK_EINVAL, "%s: must be an object", path);
	for (const cJSON *it = at->obj->child; it; it = it->next) {
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(it->string, allowed[i]) == 0;
		if (!ok)
			return rk_err_set(err, RK_EINVAL, "%s: unknown key '%s'", path, it->string);
	}
	return RK_OK;
}

enum rk_rc jsonin_get_str(const struct jsonin_at *at, const char *key, bool required, char *buf,
			  size_t cap, struct rk_err *err)
{
	const cJSON *v = present_member(at, key, false);
	buf[0] = '\0';
	if (!v)
		return required ? missing(at, key, err) : RK_OK;
	if (!cJSON_IsString(v))
		return fail(at, key, RK_EINVAL, err, "must be a string");
	size_t n = strlen(v->valuestring);
	if (n == 0 && !(at->flags & JSONIN_EMPTY_STRING))
		return fail(at, key, RK_EINVAL, err, "must not be empty");
	if (n >= cap)
		return fail(at, key, RK_EINVAL, err, "longer than %zu characters", cap - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v->valuestring[i] < 0x20)
			return fail(at, key, RK_EINVAL, err, "contains a control character");
	memcpy(buf, v->valuestring, n + 1);
	return RK_OK;
}

enum rk_rc jsonin_get_dec(const struct jsonin_at *at, const char *key, bool required,
			  bool *present, struct dec *out, struct rk_err *err)
{
	const cJSON *v = present_member(at, key, true);
	struct rk_err why = {0};
	if (present)
		*present = false;
	*out = dec_zero();
	if (!v)
		return required ? missing(at, key, err) : RK_OK;
	if ((at->flags & JSONIN_AMOUNT_STRINGS) && !cJSON_IsString(v))
		return fail(at, key, RK_EINVAL, err, "an amount must be a decimal string");
	if (jsonin_node_dec(v, out, &why) != RK_OK) {
		*out = dec_zero();
		return fail(at, key, why.rc, err, "%s", why.msg);
	}
	if (present)
		*present = true;
	return RK_OK;
}

enum rk_rc jsonin_get_amount(const struct jsonin_at *at, const char *key, bool required,
			     int min_sign, bool *present, struct dec *out, struct rk_err *err)
{
	bool have = false;
	enum rk_rc rc = jsonin_get_dec(at, key, required, &have, out, err);
	if (rc)
		return rc;
	if (have && dec_sign(*out) < min_sign)
		return fail(at, key, RK_EINVAL, err, "must be %s", min_sign > 0 ? "> 0" : ">= 0");
	if (present)
		*present = have;
	return RK_OK;
}

bool jsonin_int_text(const char *s, size_t len, int64_t *out)
{
	bool neg = len > 0 && s[0] == '-';
	size_t i = neg ? 1 : 0;
	int64_t v = 0;
	if (i == len || len - i > 16)
		return false;
	for (; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > JSONIN_MAX_EXACT_INT)
		return false;
	*out = neg ? -v : v;
	return true;
}

/* A number node's value: its literal when jsonin_parse attached one, else
 * its double when that is whole and below 2^53 in magnitude (a double of
 * 2^53 also stands for 2^53 + 1, so it is refused). */
static bool int_from_node(const cJSON *v, bool strings, int64_t *out)
{
	const char *text = jsonin_number_text(v);
	if (cJSON_IsString(v) && strings)
		text = v->valuestring;
	if (text)
		return jsonin_int_text(text, strlen(text), out);
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	if (!(d > -(double)JSONIN_MAX_EXACT_INT && d < (double)JSONIN_MAX_EXACT_INT) ||
	    d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

int64_t jsonin_member_int(const cJSON *obj, const char *key)
{
	int64_t n = 0;
	return int_from_node(jsonin_member(obj, key), false, &n) ? n : 0;
}

enum rk_rc jsonin_get_int(const struct jsonin_at *at, const char *key, bool required,
			  int64_t dflt, int64_t min, int64_t max, bool *present, int64_t *out,
			  struct rk_err *err)
{
	const cJSON *v = present_member(at, key, true);
	int64_t n = 0;
	if (present)
		*present = false;
	*out = dflt;
	if (!v)
		return required ? missing(at, key, err) : RK_OK;
	if (!int_from_node(v, at->flags & JSONIN_NUMBER_STRINGS, &n) || n < min || n > max)
		return fail(at, key, RK_EINVAL, err, "must be a whole number from %lld to %lld%s",
			    (long long)min, (long long)max,
			    at->flags & JSONIN_NUMBER_STRINGS ? " (number or string)" : "");
	*out = n;
	if (present)
		*present = true;
	return RK_OK;
}

enum rk_rc jsonin_get_bool(const struct jsonin_at *at, const char *key, bool dflt, bool *out,
			   struct rk_err *err)
{
	const cJSON *v = jsonin_member(at->obj, key);
	*out = dflt;
	if (!v)
		return RK_OK;
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return RK_OK;
	}
	if ((at->flags & JSONIN_NUMBER_STRINGS) && cJSON_IsString(v) &&
	    (strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "false") == 0)) {
		*out = strcmp(v->valuestring, "true") == 0;
		return RK_OK;
	}
	return fail(at, key, RK_EINVAL, err, "must be true or false");
}

enum rk_rc jsonin_get_time(const struct jsonin_at *at, const char *key, bool required,
			   bool *present, int64_t *us, struct rk_err *err)
{
	char text[64];
	struct rk_err why = {0};
	enum rk_rc rc = jsonin_get_str(at, key, required, text, sizeof text, err);
	if (present)
		*present = false;
	*us = 0;
	if (rc || !text[0])
		return rc;
	if (rtime_parse(text, us, &why) != RK_OK) {
		*us = 0;
		return fail(at, key, why.rc, err, "%s", why.msg);
	}
	if (present)
		*present = true;
	return RK_OK;
}

static enum rk_rc get_node(const struct jsonin_at *at, const char *key, bool required,
			   cJSON_bool (*is)(const cJSON *), const char *want, const cJSON **out,
			   struct rk_err *err)
{
	const cJSON *v = jsonin_member(at->obj, key);
	*out = NULL;
	if (!v)
		return required ? missing(at, key, err) : RK_OK;
	if (!is(v))
		return fail(at, key, RK_EINVAL, err, "must be %s", want);
	*out = v;
	return RK_OK;
}

enum rk_rc jsonin_get_array(const struct jsonin_at *at, const char *key, bool required,
			    const cJSON **out, struct rk_err *err)
{
	return get_node(at, key, required, cJSON_IsArray, "an array", out, err);
}

enum rk_rc jsonin_get_object(const struct jsonin_at *at, const char *key, bool required,
			     const cJSON **out, struct rk_err *err)
{
	return get_node(at, key, required, cJSON_IsObject, "an object", out, err);
}

/* ---- the readers of a parsed document (record.c) ------------------------- */

enum rk_rc jsonin_str(const struct jsonin *in, const char *field, bool required, char *buf,
		      size_t cap, struct rk_err *err)
{
	const struct jsonin_at at = {in->root, NULL, 0};
	return jsonin_get_str(&at, field, required, buf, cap, err);
}

enum rk_rc jsonin_dec(const struct jsonin *in, const char *field, bool required,
		      bool *present, struct dec *out, struct rk_err *err)
{
	const struct jsonin_at at = {in->root, NULL, 0};
	struct dec d;
	bool have = false;
	enum rk_rc rc = jsonin_get_dec(&at, field, required, &have, &d, err);
	if (present)
		*present = have;
	if (have)
		*out = d;
	return rc;
}

enum rk_rc jsonin_bool(const struct jsonin *in, const char *field, bool dflt, bool *out,
		       struct rk_err *err)
{
	const struct jsonin_at at = {in->root, NULL, 0};
	return jsonin_get_bool(&at, field, dflt, out, err);
}
