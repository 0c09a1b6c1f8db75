/* jsonout.c — reckon's values into cJSON documents (see jsonout.h). */
#include "jsonout.h"

bool jsonout_add_dec(cJSON *obj, const char *key, struct dec v)
{
	char buf[DEC_STR_MAX];
	return jsonout_add_str(obj, key, dec_format(v, buf));
}

bool jsonout_add_str(cJSON *obj, const char *key, const char *value)
{
	return cJSON_AddStringToObject(obj, key, value) != NULL;
}
