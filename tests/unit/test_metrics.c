/* SPDX-License-Identifier: ISC */
/* test_metrics.c -- counters, histograms and their Prometheus text, checked
 * by a strict parser of the exposition format (0.0.4) */
#include <config.h>

#include <sys/wait.h>
#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "metrics.h"

/* What the checker remembers while it reads the text. */
struct checker {
	char family[128], type[16];
	char closed[32][128]; /* families already ended */
	int nclosed;
	char series[256]; /* histogram: labels of the series, le aside */
	double last_le, last_bucket;
	bool saw_inf;
	char why[256];
};

static bool
bad(struct checker *c, const char *line, const char *why)
{
	snprintf(c->why, sizeof(c->why), "%s: %.120s", why, line);
	return false;
}

static bool
name_char(char ch, bool first, bool label)
{
	if (isalpha((unsigned char)ch) || ch == '_' || (ch == ':' && !label))
		return true;
	return !first && isdigit((unsigned char)ch);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (LABEL: no colons); its length, 0 if none. */
static size_t
name_len(const char *p, bool label)
{
	size_t n = 0;

	while (p[n] != '\0' && name_char(p[n], n == 0, label))
		n++;
	return n;
}

/* "value" with only \\, \" and \n escapes; *P is past it after. */
static bool
label_value(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	if (*s++ != '"')
		return false;
	while (*s != '"') {
		char ch = *s++;
		if (ch == '\0' || ch == '\n')
			return false;
		if (ch == '\\') {
			ch = *s++;
			if (ch != '\\' && ch != '"' && ch != 'n')
				return false;
			ch = ch == 'n' ? '\n' : ch;
		}
		if (n + 1 < size)
			out[n++] = ch;
	}
	out[n] = '\0';
	*p = s + 1;
	return true;
}

/* {a="x",b="y"}: the set without le into SERIES, le's value into LE. */
static bool
labels(const char **p, char *series, size_t size, char *le, size_t lesize)
{
	const char *s = *p;
	char name[64], value[128];

	series[0] = le[0] = '\0';
	if (*s != '{')
		return true;
	s++;
	for (;;) {
		size_t n = name_len(s, true);
		if (n == 0 || n >= sizeof(name) || s[n] != '=')
			return false;
		memcpy(name, s, n);
		name[n] = '\0';
		s += n + 1;
		if (!label_value(&s, value, sizeof(value)))
			return false;
		if (strcmp(name, "le") == 0)
			snprintf(le, lesize, "%s", value);
		else
			snprintf(series + strlen(series), size - strlen(series),
			         "%s=%s;", name, value);
		if (*s == '}')
			break;
		if (*s++ != ',')
			return false;
	}
	*p = s + 1;
	return true;
}

static bool
number(const char *text, double *v)
{
	char *end;

	if (strcmp(text, "+Inf") == 0 || strcmp(text, "-Inf") == 0 ||
	    strcmp(text, "NaN") == 0) {
		*v = text[0] == '-'   ? -INFINITY
		     : text[0] == '+' ? INFINITY
		                      : NAN;
		return true;
	}
	*v = strtod(text, &end);
	return end != text && *end == '\0' && !isspace((unsigned char)*text);
}

/* A new family starts: the one before is over for good. */
static bool
enter_family(struct checker *c, const char *line, const char *name)
{
	for (int i = 0; i < c->nclosed; i++)
		if (strcmp(c->closed[i], name) == 0)
			return bad(c, line, "family seen twice");
	if (c->family[0] != '\0' && c->nclosed < 32)
		snprintf(c->closed[c->nclosed++], 128, "%s", c->family);
	snprintf(c->family, sizeof(c->family), "%s", name);
	c->type[0] = c->series[0] = '\0';
	return true;
}

static bool
check_comment(struct checker *c, const char *line)
{
	static const char *types[] = {"counter", "gauge", "histogram",
	                              "summary", "untyped"};
	char name[128];
	bool is_type = strncmp(line, "# TYPE ", 7) == 0;

	if (!is_type && strncmp(line, "# HELP ", 7) != 0)
		return true; /* other comments are allowed */
	const char *p = line + 7;
	size_t n = name_len(p, false);
	if (n == 0 || n >= sizeof(name) || p[n] != ' ')
		return bad(c, line, "bad metric name");
	memcpy(name, p, n);
	name[n] = '\0';
	p += n + 1;
	if (strcmp(name, c->family) != 0 && !enter_family(c, line, name))
		return false;
	if (!is_type)
		return true;
	if (c->type[0] != '\0')
		return bad(c, line, "second TYPE line");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(p, types[i]) == 0)
			snprintf(c->type, sizeof(c->type), "%s", p);
	return c->type[0] != '\0' ? true : bad(c, line, "unknown type");
}

static bool
check_bucket(struct checker *c, const char *line, const char *series,
             const char *le, double v)
{
	double bound;

	if (le[0] == '\0' || !number(le, &bound))
		return bad(c, line, "bucket without a numeric le");
	if (strcmp(series, c->series) != 0) {
		if (c->series[0] != '\0' && !c->saw_inf)
			return bad(c, line, "series ended without +Inf");
		snprintf(c->series, sizeof(c->series), "%s", series);
		c->last_le = -INFINITY;
		c->last_bucket = 0;
		c->saw_inf = false;
	}
	if (c->saw_inf || !(bound > c->last_le))
		return bad(c, line, "le not increasing");
	if (v < c->last_bucket)
		return bad(c, line, "buckets not cumulative");
	c->last_le = bound;
	c->last_bucket = v;
	c->saw_inf = isinf(bound);
	return true;
}

/* Is sample NAME one of the current family's, in the right order? */
static bool
check_member(struct checker *c, const char *line, const char *name,
             const char *series, const char *le, double v)
{
	size_t flen = strlen(c->family);

	if (strcmp(c->type, "histogram") != 0)
		return strcmp(name, c->family) == 0 && le[0] == '\0'
		           ? true
		           : bad(c, line, "sample outside its family");
	if (strncmp(name, c->family, flen) != 0)
		return bad(c, line, "sample outside its family");
	const char *suffix = name + flen;
	if (strcmp(suffix, "_bucket") == 0)
		return check_bucket(c, line, series, le, v);
	bool same = strcmp(series, c->series) == 0 && c->saw_inf;
	if (strcmp(suffix, "_sum") == 0)
		return same ? true : bad(c, line, "_sum before its +Inf");
	if (strcmp(suffix, "_count") == 0)
		return same && v == c->last_bucket
		           ? true
		           : bad(c, line, "_count is not the +Inf bucket");
	return bad(c, line, "sample outside its family");
}

static bool
check_sample(struct checker *c, const char *line)
{
	char name[160], series[256], le[64];
	size_t n = name_len(line, false);
	const char *p = line + n;
	double v;

	if (n == 0 || n >= sizeof(name))
		return bad(c, line, "bad sample name");
	memcpy(name, line, n);
	name[n] = '\0';
	if (!labels(&p, series, sizeof(series), le, sizeof(le)))
		return bad(c, line, "bad labels");
	if (*p++ != ' ' || !number(p, &v))
		return bad(c, line, "bad value (or a timestamp)");
	if (c->type[0] == '\0')
		return bad(c, line, "sample before its TYPE");
	return check_member(c, line, name, series, le, v);
}

/* NULL when TEXT is strictly valid, else why not. */
static const char *
exposition_error(const char *text)
{
	static struct checker c;
	char line[1024];

	memset(&c, 0, sizeof(c));
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		if (nl == NULL)
			return "last line without a newline";
		size_t n = (size_t)(nl - text);
		if (n == 0 || n >= sizeof(line))
			return "empty or overlong line";
		memcpy(line, text, n);
		line[n] = '\0';
		text = nl + 1;
		bool ok = line[0] == '#' ? check_comment(&c, line)
		                         : check_sample(&c, line);
		if (!ok)
			return c.why;
	}
	if (strcmp(c.type, "histogram") == 0 && c.series[0] && !c.saw_inf)
		return "last histogram without +Inf";
	return NULL;
}

/* The text for ENTRIES, checked strictly; the caller frees it. */
static char *
render(const struct metrics_entry *entries, size_t n)
{
	struct textbuf tb;

	textbuf_init(&tb, 1 << 20);
	cr_assert_eq(metrics_write(&tb, entries, n), 0);
	const char *why = exposition_error(tb.data);
	cr_assert_null(why, "%s\n%s", why, tb.data);
	return tb.data;
}

static void
expect_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	cr_assert_not_null(strstr(text, want), "missing %s in:\n%s", line,
	                   text);
}

Test(metrics_checker, refuses_what_the_format_forbids)
{
	const char *bad_texts[] = {
	    "x 1\n", /* sample before TYPE */
	    "# TYPE x counter\nx 1",
	    "# TYPE x counter\ny 1\n",
	    "# TYPE x counter\nx{a=\"b\\t\"} 1\n",
	    "# TYPE x counter\nx{a=\"b\"} one\n",
	    "# TYPE x counter\nx{1a=\"b\"} 1\n",
	    "# TYPE x counter\nx 1\n# TYPE y gauge\ny 1\n# TYPE x counter\n",
	    "# TYPE x kounter\n",
	    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n",
	    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\n",
	    "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
	};
	for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++)
		cr_assert_not_null(exposition_error(bad_texts[i]), "took: %s",
		                   bad_texts[i]);
	cr_assert_null(exposition_error(
	    "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
	    "h_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n"));
}

Test(metrics, fresh_service_is_all_zero)
{
	struct metrics m = {0};
	struct metrics_entry e = {"echo", &m};
	char *text = render(&e, 1);

	cr_assert_eq(
	    strncmp(text, "# HELP portier_connections_accepted_total ", 42), 0);
	expect_line(text,
	            "portier_connections_accepted_total{service=\"echo\"} 0");
	expect_line(text, "portier_handlers_running{service=\"echo\"} 0");
	expect_line(text, "# TYPE portier_spawn_latency_seconds histogram");
	expect_line(text,
	            "portier_spawn_latency_seconds_bucket{service=\"echo\","
	            "le=\"0.00005\"} 0");
	expect_line(text, "portier_handler_duration_seconds_bucket{service="
	                  "\"echo\",le=\"3600\"} 0");
	expect_line(text, "portier_handler_duration_seconds_count{service="
	                  "\"echo\"} 0");
	expect_line(text, "portier_internal_bytes_total{service=\"echo\","
	                  "direction=\"out\"} 0");
	free(text);
}

Test(metrics, counters_by_reason_and_status)
{
	struct metrics m = {.accepted = 7, .failed = 1, .running = 2};
	struct metrics_entry e = {"www", &m};

	metrics_refused(&m, "only_from");
	metrics_refused(&m, "cps");
	metrics_refused(&m, "only_from");
	metrics_exited(&m, 0);
	metrics_exited(&m, 111 << 8);
	metrics_exited(&m, SIGKILL);
	metrics_exited(&m, 0);
	char *text = render(&e, 1);
	expect_line(text,
	            "portier_connections_accepted_total{service=\"www\"} 7");
	expect_line(text,
	            "portier_connections_failed_total{service=\"www\"} 1");
	expect_line(text, "portier_connections_refused_total{service=\"www\","
	                  "reason=\"only_from\"} 2");
	expect_line(text, "portier_connections_refused_total{service=\"www\","
	                  "reason=\"cps\"} 1");
	expect_line(
	    text,
	    "portier_handler_exits_total{service=\"www\",status=\"0\"} 2");
	expect_line(text, "portier_handler_exits_total{service=\"www\","
	                  "status=\"111\"} 1");
	expect_line(text, "portier_handler_exits_total{service=\"www\","
	                  "status=\"SIGKILL\"} 1");
	free(text);
}

/* A flood of distinct reasons cannot grow the table past its cap. */
Test(metrics, labels_beyond_the_cap_count_as_other)
{
	struct metrics m = {0};
	char reason[16];

	for (int i = 0; i < 40; i++) {
		snprintf(reason, sizeof(reason), "r%d", i);
		metrics_refused(&m, reason);
	}
	cr_assert_eq(m.refused.n, METRICS_LABELS);
	cr_assert_str_eq(m.refused.item[METRICS_LABELS - 1].label, "other");
	cr_assert_eq(m.refused.item[METRICS_LABELS - 1].count,
	             40 - (METRICS_LABELS - 1));
	metrics_refused(&m, "r3");
	cr_assert_eq(m.refused.item[3].count, 2);
}

Test(metrics, histogram_buckets_sum_count)
{
	struct metrics m = {0};
	struct metrics_entry e = {"t", &m};
	const char *b =
	    "portier_spawn_latency_seconds_bucket{service=\"t\",le=";

	metrics_observe_spawn(&m, 40);
	metrics_observe_spawn(&m, 100); /* on a bound: counted in it */
	metrics_observe_spawn(&m, 2000000);
	metrics_observe_duration(&m, 1500);
	char *text = render(&e, 1);
	char line[256];
	const char *want[][2] = {{"\"0.00005\"", "1"},
	                         {"\"0.0001\"", "2"},
	                         {"\"0.00025\"", "2"},
	                         {"\"1\"", "2"},
	                         {"\"+Inf\"", "3"}};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(line, sizeof(line), "%s%s} %s", b, want[i][0],
		         want[i][1]);
		expect_line(text, line);
	}
	expect_line(text,
	            "portier_spawn_latency_seconds_sum{service=\"t\"} 2.00014");
	expect_line(text,
	            "portier_spawn_latency_seconds_count{service=\"t\"} 3");
	expect_line(text, "portier_handler_duration_seconds_bucket{service="
	                  "\"t\",le=\"0.001\"} 0");
	expect_line(text, "portier_handler_duration_seconds_bucket{service="
	                  "\"t\",le=\"0.005\"} 1");
	expect_line(
	    text, "portier_handler_duration_seconds_sum{service=\"t\"} 0.0015");
	free(text);
}

Test(metrics, label_values_are_escaped)
{
	struct metrics m = {0};
	struct metrics_entry e = {"we\"ird\\name\nx", &m};

	metrics_refused(&m, "a\"b");
	char *text = render(&e, 1);
	expect_line(text, "portier_connections_accepted_total{service="
	                  "\"we\\\"ird\\\\name\\nx\"} 0");
	expect_line(text, "portier_connections_refused_total{service="
	                  "\"we\\\"ird\\\\name\\nx\",reason=\"a\\\"b\"} 1");
	free(text);
}

/* Two services: each family's samples stay together (the checker
 * refuses a family that comes back). */
Test(metrics, families_group_all_services)
{
	struct metrics a = {.accepted = 1}, b = {.accepted = 2};
	struct metrics_entry e[] = {{"a", &a}, {"b", &b}};

	metrics_observe_duration(&a, 10);
	metrics_observe_duration(&b, 20);
	char *text = render(e, 2);
	const char *pa = strstr(text, "accepted_total{service=\"a\"} 1\n");
	const char *pb = strstr(text, "accepted_total{service=\"b\"} 2\n");
	cr_assert(pa != NULL && pb != NULL && pa < pb);
	cr_assert_lt(pb - pa, 60);
	free(text);
}

Test(metrics, capped_buffer_reports_incomplete)
{
	struct metrics m = {0};
	struct metrics_entry e = {"echo", &m};
	struct textbuf tb;

	textbuf_init(&tb, 200);
	cr_assert_eq(metrics_write(&tb, &e, 1), -1);
	cr_assert(tb.is_full);
	cr_assert_leq(tb.len, 200);
	textbuf_free(&tb);
}

/* promtool, when Debian's prometheus package is installed, agrees. */
Test(metrics, promtool_agrees_when_installed)
{
	struct metrics m = {.accepted = 3};
	struct metrics_entry e = {"echo", &m};
	char path[] = "/tmp/portier-metrics.XXXXXX", cmd[128];

	if (system("command -v promtool >/dev/null 2>&1") != 0)
		cr_skip_test("promtool not installed; the strict checker ran");
	metrics_refused(&m, "cps");
	metrics_observe_spawn(&m, 300);
	char *text = render(&e, 1);
	int fd = mkstemp(path);
	cr_assert_neq(fd, -1);
	FILE *fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	int status = system(cmd);
	unlink(path);
	free(text);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
