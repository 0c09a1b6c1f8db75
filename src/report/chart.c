/*
 * chart.c — the daily report's PNG charts with cairo (chart.h). The only
 * file of reckon that includes cairo (and fontconfig, whose caches it
 * releases).
 */
#include "chart.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rk_tz.h"

#define PAD_L 78.0 /* room for the y labels */
#define PAD_R 24.0
#define PAD_T 34.0 /* the title */
#define PAD_B 38.0 /* the x labels */

struct frame {
	cairo_t *cr;
	double x0, x1, y0, y1; /* plot area in pixels (y0 top) */
	double lo, hi;         /* value range, lo < hi */
	double step;           /* between y ticks */
};

static double y_of(const struct frame *f, double v)
{
	return f->y1 - (v - f->lo) / (f->hi - f->lo) * (f->y1 - f->y0);
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) for about 5 ticks. */
static double nice_step(double range)
{
	double raw = range / 5.0, mag = pow(10.0, floor(log10(raw))), n = raw / mag;
	return (n <= 1.0 ? 1.0 : n <= 2.0 ? 2.0 : n <= 5.0 ? 5.0 : 10.0) * mag;
}

/* Value range including 0, widened to whole ticks. */
static void set_range(struct frame *f, double lo, double hi)
{
	lo = fmin(lo, 0.0), hi = fmax(hi, 0.0);
	if (hi - lo < 1e-12)
		hi = lo + 1.0;
	f->step = nice_step(hi - lo);
	f->lo = floor(lo / f->step) * f->step;
	f->hi = ceil(hi / f->step) * f->step;
	if (f->hi - f->lo < f->step)
		f->hi = f->lo + f->step;
}

static void text(cairo_t *cr, double x, double y, const char *s, double align, double size)
{
	cairo_text_extents_t e;
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.width * align - e.x_bearing, y);
	cairo_show_text(cr, s);
}

static const char *label(double v, double step, char *buf, size_t cap)
{
	int dec = step >= 1.0 ? 0 : (int)ceil(-log10(step));
	snprintf(buf, cap, "%.*f", dec > 8 ? 8 : dec, fabs(v) < step / 1e6 ? 0.0 : v);
	return buf;
}

/* Background, title, horizontal grid with y labels, zero line. */
static void frame_draw(struct frame *f, const char *title)
{
	cairo_t *cr = f->cr;
	char buf[64];
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
	text(cr, PAD_L, 20, title, 0.0, 14);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_line_width(cr, 1.0);
	for (double v = f->lo; v <= f->hi + f->step / 2; v += f->step) {
		double y = round(y_of(f, v)) + 0.5;
		cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
		cairo_move_to(cr, f->x0, y);
		cairo_line_to(cr, f->x1, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		text(cr, f->x0 - 6, y + 4, label(v, f->step, buf, sizeof buf), 1.0, 11);
	}
	cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
	cairo_move_to(cr, f->x0, round(y_of(f, 0.0)) + 0.5);
	cairo_line_to(cr, f->x1, round(y_of(f, 0.0)) + 0.5);
	cairo_move_to(cr, f->x0 + 0.5, f->y0);
	cairo_line_to(cr, f->x0 + 0.5, f->y1);
	cairo_stroke(cr);
}

static void no_data(struct frame *f, const char *why)
{
	cairo_set_source_rgb(f->cr, 0.45, 0.45, 0.45);
	text(f->cr, (f->x0 + f->x1) / 2, (f->y0 + f->y1) / 2, why, 0.5, 13);
}

static cairo_status_t write_png(void *closure, const unsigned char *data, unsigned int len)
{
	struct rk_buf *b = closure;
	rk_buf_addn(b, data, len);
	return b->failed ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

typedef void draw_fn(struct frame *f, const struct daily_report *r);

static enum rk_rc chart(const struct daily_report *r, draw_fn *draw, struct rk_buf *png,
			struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, CHART_WIDTH, CHART_HEIGHT);
	cairo_t *cr = cairo_create(s);
	struct frame f = {cr, PAD_L, CHART_WIDTH - PAD_R, PAD_T, CHART_HEIGHT - PAD_B, 0, 1, 1};
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_BEST);
	draw(&f, r);
	cairo_status_t st = cairo_status(cr);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(s, write_png, png);
	if (st == CAIRO_STATUS_NO_MEMORY || png->failed)
		rc = rk_err_set(err, RK_ENOMEM, "out of memory drawing a chart");
	else if (st != CAIRO_STATUS_SUCCESS)
		rc = rk_err_set(err, RK_EIO, "drawing a chart: %s", cairo_status_to_string(st));
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return rc;
}

/* ---- the day's running total ---------------------------------------------- */

static double x_at(const struct frame *f, const struct daily_report *r, int64_t us)
{
	return f->x0 + (double)(us - r->from_us) / (double)(r->to_us - r->from_us) * (f->x1 - f->x0);
}

/* Ticks every 3 hours of the day, labelled with the local time there. */
static void time_axis(struct frame *f, const struct daily_report *r)
{
	char date[RK_TZ_DATE_MAX], buf[16];
	for (int64_t us = r->from_us; us <= r->to_us; us += INT64_C(3) * 3600 * 1000000) {
		int minute = 0;
		if (rk_tz_local(r->tz, us, date, &minute, NULL))
			continue;
		snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
		double x = round(x_at(f, r, us)) + 0.5;
		cairo_set_source_rgb(f->cr, 0.9, 0.9, 0.9);
		cairo_move_to(f->cr, x, f->y0);
		cairo_line_to(f->cr, x, f->y1);
		cairo_stroke(f->cr);
		cairo_set_source_rgb(f->cr, 0.3, 0.3, 0.3);
		text(f->cr, x, f->y1 + 16, us == r->to_us ? "24:00" : buf, 0.5, 11);
	}
	text(f->cr, f->x1, f->y1 + 32, r->tz, 1.0, 10);
}

static void draw_curve(struct frame *f, const struct daily_report *r)
{
	double sum = 0, lo = 0, hi = 0;
	char title[128];
	for (size_t i = 0; i < r->curve.n; i++) {
		sum += strtod(r->curve.v[i].realized, NULL);
		lo = fmin(lo, sum), hi = fmax(hi, sum);
	}
	snprintf(title, sizeof title, "Cumulative realized P&L, %s%s%s", r->date,
		 *r->chart_quote ? " (" : "", *r->chart_quote ? r->chart_quote : "");
	if (*r->chart_quote)
		strncat(title, ")", sizeof title - strlen(title) - 1);
	set_range(f, lo, hi);
	frame_draw(f, title);
	time_axis(f, r);
	if (!r->curve.n) {
		no_data(f, "no closing fills this day");
		return;
	}
	cairo_t *cr = f->cr;
	cairo_set_line_width(cr, 2.0);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_source_rgb(cr, 0.12, 0.35, 0.65);
	double y = y_of(f, 0.0);
	cairo_move_to(cr, f->x0, y);
	sum = 0;
	for (size_t i = 0; i < r->curve.n; i++) {
		double x = x_at(f, r, r->curve.v[i].t_us + 60 * INT64_C(1000000));
		sum += strtod(r->curve.v[i].realized, NULL);
		cairo_line_to(cr, x, y);
		y = y_of(f, sum);
		cairo_line_to(cr, x, y);
	}
	cairo_line_to(cr, f->x1, y);
	cairo_stroke(cr);
}

/* ---- 30 days ------------------------------------------------------------- */

static void draw_days(struct frame *f, const struct daily_report *r)
{
	double v[DAILY_DAYS], lo = 0, hi = 0;
	bool any = false;
	char title[128];
	for (int i = 0; i < DAILY_DAYS; i++) {
		v[i] = *r->days[i].realized ? strtod(r->days[i].realized, NULL) : 0.0;
		any |= *r->days[i].realized != '\0';
		lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
	}
	snprintf(title, sizeof title, "Daily realized P&L, 30 days to %s%s%s%s", r->date,
		 *r->chart_quote ? " (" : "", r->chart_quote, *r->chart_quote ? ")" : "");
	set_range(f, lo, hi);
	frame_draw(f, title);
	cairo_t *cr = f->cr;
	double w = (f->x1 - f->x0) / DAILY_DAYS;
	for (int i = 0; i < DAILY_DAYS; i++) {
		double x = f->x0 + w * i, y0 = y_of(f, 0.0), y = y_of(f, v[i]);
		if (v[i] != 0.0) {
			if (v[i] > 0)
				cairo_set_source_rgb(cr, 0.04, 0.49, 0.2);
			else
				cairo_set_source_rgb(cr, 0.69, 0.0, 0.13);
			cairo_rectangle(cr, x + w * 0.15, fmin(y, y0), w * 0.7, fabs(y0 - y));
			cairo_fill(cr);
		}
		if (i % 5 == 4 || i == DAILY_DAYS - 1) {
			cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
			text(cr, x + w / 2, f->y1 + 16, r->days[i].date + 5, 0.5, 11);
		}
	}
	if (!any)
		no_data(f, "no closing fills in these 30 days");
}

void chart_fonts_release(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}

enum rk_rc chart_pnl_curve(const struct daily_report *r, struct rk_buf *png, struct rk_err *err)
{
	return chart(r, draw_curve, png, err);
}

enum rk_rc chart_pnl_days(const struct daily_report *r, struct rk_buf *png, struct rk_err *err)
{
	return chart(r, draw_days, png, err);
}
