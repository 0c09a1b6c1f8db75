/* jsonin.c — exact, field-named reading of untrusted JSON objects (see jsonin.h). */
#include "jsonin.h"

#include <ctype.h>
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

/*
 * Walks the raw JSON text and records every number that is a direct member
 * of the top-level object, with its key. Only string state, nesting depth and
 * "the last string at depth 1 followed by ':'" are tracked; cJSON does the
 * real validation afterwards, so this scanner may be lenient.
 */
static void scan_numbers(const char *t, size_t len, struct jsonin *in)
{
	int depth = 0;
	const char *key = NULL;
	size_t keylen = 0;
	const char *str = NULL;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (c == '"') {
			str = t + i + 1;
			for (i++; i < len && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
			if (depth == 1) {
				size_t j = i + 1;
				while (j < len && isspace((unsigned char)t[j]))
					j++;
				if (j < len && t[j] == ':') {
					key = str;
					keylen = (size_t)(t + i - str);
				}
			}
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (depth == 1 && (c == '-' || isdigit((unsigned char)c))) {
			size_t start = i;
			while (i + 1 < len && (isdigit((unsigned char)t[i + 1]) || strchr("+-.eE", t[i + 1])))
				i++;
			if (key && in->nnums < JSONIN_MAX_NUMBERS && keylen < sizeof in->nums[0].key) {
				struct jsonin_num *n = &in->nums[in->nnums++];
				memcpy(n->key, key, keylen);
				n->key[keylen] = '\0';
				n->text = t + start;
				n->len = i - start + 1;
			}
			key = NULL;
		}
	}
}

enum rk_rc jsonin_parse(const char *text, size_t len, struct jsonin *in, struct rk_err *err)
{
	memset(in, 0, sizeof *in);
	if (memchr(text, '\0', len))
		return rk_err_set(err, RK_EINVAL, "line contains a NUL byte");
	if (!jsonin_utf8_valid(text, len))
		return rk_err_set(err, RK_EINVAL, "line is not valid UTF-8");
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
			return rk_err_set(err, RK_EINVAL, "trailing data after the JSON object");
		}
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return rk_err_set(err, RK_EINVAL, "line is JSON but not an object");
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
	in->root = root;
	scan_numbers(text, len, in);
	return RK_OK;
}

void jsonin_close(struct jsonin *in)
{
	if (!in)
		return;
	cJSON_Delete(in->root);
	in->root = NULL;
	in->nnums = 0;
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

static enum rk_rc dec_error(struct rk_err *err, const char *field, enum dec_status st)
{
	return rk_err_set(err, RK_EINVAL, "field '%s': %s", field, dec_status_str(st));
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
	enum dec_status st;
	if (cJSON_IsString(v)) {
		st = dec_parse_cstr(v->valuestring, out);
		if (st != DEC_OK)
			return dec_error(err, field, st);
	} else if (cJSON_IsNumber(v)) {
		const struct jsonin_num *num = NULL;
		for (size_t i = 0; i < in->nnums; i++)
			if (strcmp(in->nums[i].key, field) == 0)
				num = &in->nums[i];
		if (!num)
			return rk_err_set(err, RK_EINVAL,
					  "field '%s': number could not be read exactly; send it as a string",
					  field);
		if (jsonin_sig_digits(num->text, num->len) > JSONIN_MAX_NUMBER_DIGITS)
			return rk_err_set(err, RK_EINVAL,
					  "field '%s': JSON number has more than %d significant digits "
					  "and may not be exact; send it as a string",
					  field, JSONIN_MAX_NUMBER_DIGITS);
		st = dec_parse(num->text, num->len, out);
		if (st != DEC_OK)
			return dec_error(err, field, st);
	} else {
		return rk_err_set(err, RK_EINVAL, "field '%s': must be a decimal string or number",
				  field);
	}
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
