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
#include "promcheck.h"

/* The text for ENTRIES, checked strictly; the caller frees it. */
static char *
render(const struct metrics_entry *entries, size_t n)
{
	struct textbuf tb;

	textbuf_init(&tb, 1 << 20);
	cr_assert_eq(metrics_write(&tb, entries, n), 0);
	const char *why = promcheck_error(tb.data);
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
		cr_assert_not_null(promcheck_error(bad_texts[i]), "took: %s",
		                   bad_texts[i]);
	cr_assert_null(promcheck_error(
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

/* An upgrade's text form gives back every counter but the gauge. */
Test(metrics, save_and_load_round_trip)
{
	struct metrics m = {.accepted = 7,
	                    .failed = 1,
	                    .running = 2,
	                    .bytes_in = 5,
	                    .bytes_out = 9};
	struct metrics back = {.running = 3};
	struct textbuf tb;

	metrics_refused(&m, "only_from");
	metrics_refused(&m, "proxy_timeout");
	metrics_exited(&m, 111 << 8);
	metrics_exited(&m, SIGKILL);
	metrics_observe_spawn(&m, 700);
	metrics_observe_duration(&m, 123456789);
	textbuf_init(&tb, 1 << 16);
	cr_assert_eq(metrics_save(&tb, &m), 0);
	cr_assert_null(strchr(tb.data, '\n'));
	cr_assert_eq(metrics_load(&back, tb.data), 0, "%s", tb.data);
	cr_assert_eq(back.running, 3);
	back.running = m.running;
	cr_assert_eq(memcmp(&back, &m, sizeof(m)), 0, "%s", tb.data);
	textbuf_free(&tb);
	cr_assert_eq(metrics_load(&back, "v1 1 2"), -1);
	cr_assert_eq(metrics_load(&back, "v2 1 2 3 4"), -1);
}
