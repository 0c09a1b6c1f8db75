/* jsonin.c — exact, field-named reading of untrusted JSON objects (see jsonin.h). */
#include "jsonin.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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
		} else if (c == '-' || isdigit((unsigned char)c)) {
			size_t j = i + 1;
			while (j < len && (isdigit((unsigned char)t[j]) || strchr("+-.eE", t[j])))
				j++;
			*start = i, *n = j - i, *pos = j;
			return true;
		}
	}
	*pos = len;
	return false;
}

/* Attaches to each number node, in pre-order (document order), the text of
 * the next number literal. cJSON_Delete frees valuestring of any node. */
static bool attach_numbers(cJSON *node, const char *t, size_t len, size_t *pos)
{
	for (; node; node = node->next) {
		if (cJSON_IsNumber(node)) {
			size_t start, n;
			if (!next_number(t, len, pos, &start, &n) || !(node->valuestring = malloc(n + 1)))
				return false;
			memcpy(node->valuestring, t + start, n);
			node->valuestring[n] = '\0';
		} else if ((cJSON_IsObject(node) || cJSON_IsArray(node)) &&
			   !attach_numbers(node->child, t, len, pos)) {
			return false;
		}
	}
	return true;
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
	/* Anything after the object other than whitespace is an error too. */
	for (const char *p = end; p && p < text + len; p++) {
		if (!isspace((unsigned char)*p)) {
			cJSON_Delete(root);
			return rk_err_set(err, RK_EINVAL, "malformed JSON: trailing data after the JSON object");
		}
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return rk_err_set(err, RK_EINVAL, "JSON text is not an object (the top level must be an object)");
	}
	/* Duplicate member names are ambiguous (which one counts?): refuse. */
	int members = 0;
	for (const cJSON *a = root->child; a; a = a->next) {
		if (++members > 256) {
			cJSON_Delete(root);
			return rk_err_set(err, RK_EINVAL, "object has more than 256 fields");
		}
		for (const cJSON *b = a->next; b; b = b->next) {
			if (strcmp(a->string, b->string) == 0) {
				enum rk_rc rc = rk_err_set(err, RK_EINVAL, "field '%s': appears twice",
							   a->string);
				cJSON_Delete(root);
				return rc;
			}
		}
	}
	size_t pos = 0;
	if (!attach_numbers(root, text, end ? (size_t)(end - text) : len, &pos)) {
		cJSON_Delete(root);
		return rk_err_set(err, RK_ENOMEM, "out of memory reading JSON numbers");
	}
	in->root = root;
	return RK_OK;
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
