/* jsonin.c — exact, field-named reading of untrusted JSON objects (see jsonin.h). */
#include "jsonin.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

bool jsonin_has(const struct jsonin *in, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in->root, field);
	return v && !cJSON_IsNull(v);
}

enum rk_rc jsonin_str(const struct jsonin *in, const char *field, bool required, char *buf,
		      size_t cap, struct rk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in->root, field);
	buf[0] = '\0';
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return rk_err_set(err, RK_ENOTFOUND, "field '%s': missing", field);
		return RK_OK;
	}
	if (!cJSON_IsString(v))
		return rk_err_set(err, RK_EINVAL, "field '%s': must be a string", field);
	size_t n = strlen(v->valuestring);
	if (n == 0)
		return rk_err_set(err, RK_EINVAL, "field '%s': must not be empty", field);
	if (n >= cap)
		return rk_err_set(err, RK_EINVAL, "field '%s': longer than %zu characters", field,
				  cap - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v->valuestring[i] < 0x20)
			return rk_err_set(err, RK_EINVAL, "field '%s': contains a control character",
					  field);
	memcpy(buf, v->valuestring, n + 1);
	return RK_OK;
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
	return st == DEC_OK ? RK_OK : rk_err_set(err, RK_EINVAL, "%s", dec_status_str(st));
}

enum rk_rc jsonin_dec(const struct jsonin *in, const char *field, bool required,
		      bool *present, struct dec *out, struct rk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in->root, field);
	if (present)
		*present = false;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return rk_err_set(err, RK_ENOTFOUND, "field '%s': missing", field);
		return RK_OK;
	}
	if (jsonin_node_dec(v, out, err) != RK_OK)
		return rk_err_prefix(err, "field '%s'", field);
	if (present)
		*present = true;
	return RK_OK;
}

enum rk_rc jsonin_bool(const struct jsonin *in, const char *field, bool dflt, bool *out,
		       struct rk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in->root, field);
	if (!v || cJSON_IsNull(v)) {
		*out = dflt;
		return RK_OK;
	}
	if (!cJSON_IsBool(v))
		return rk_err_set(err, RK_EINVAL, "field '%s': must be true or false", field);
	*out = cJSON_IsTrue(v);
	return RK_OK;
}
