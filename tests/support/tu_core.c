/* tu_core.c — test helpers on the pure core (see tu_core.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tu_core.h"

#include "rk_file.h"

struct dec tu_dec(const char *s)
{
	struct dec d;
	if (dec_parse_cstr(s, &d) != DEC_OK)
		fail_msg("bad decimal in test: %s", s);
	return d;
}

void tu_check_dec(struct dec d, const char *want, const char *file, int line)
{
	char got[DEC_STR_MAX], exp[DEC_STR_MAX];
	_assert_string_equal(dec_format(d, got), dec_format(tu_dec(want), exp), file, line);
}

char *tu_read_file(const char *path, size_t *len)
{
	char *buf = NULL;
	struct rk_err err = {0};
	if (rk_file_read(path, (size_t)64 << 20, &buf, len, &err))
		fail_msg("%s", err.msg);
	return buf;
}

int tu_small_scale(void)
{
	const char *scale = getenv("RECKON_TEST_SCALE");
	return scale != NULL && strcmp(scale, "small") == 0;
}
