/* jsonout.c — reckon's values into cJSON documents (see jsonout.h). */
#include "jsonout.h"

#include "jsonin.h" /* JSONIN_MAX_EXACT_INT: 2^53 */

bool jsonout_add_dec(cJSON *obj, const char *key, struct dec v)
{
	char buf[DEC_STR_MAX];
	return jsonout_add_str(obj, key, dec_format(v, buf));
}

bool jsonout_add_str(cJSON *obj, const char *key, const char *value)
{
	return cJSON_AddStringToObject(obj, key, value) != NULL;
}

bool jsonout_add_int(cJSON *obj, const char *key, int64_t v)
{
	if (v > JSONIN_MAX_EXACT_INT || v < -JSONIN_MAX_EXACT_INT)
		return false;
	return cJSON_AddNumberToObject(obj, key, (double)v) != NULL;
}
