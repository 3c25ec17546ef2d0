/*
 * opts.c - option parsing and --help from one table.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "treqs/repo.h"
#include "treqs/tr.h"

static int set_value(struct cli_opt *o, const char *val, const char *cmd)
{
	char *end;

	o->seen = 1;
	switch (o->type) {
	case CLI_FLAG:
		*(int *)o->value = 1;
		return 0;
	case CLI_STRING:
		*(const char **)o->value = val;
		return 0;
	case CLI_LIST:
		treqs_strv_push((struct treqs_strv *)o->value, val);
		return 0;
	case CLI_INT:
		errno = 0;
		*(long *)o->value = strtol(val, &end, 10);
		if (errno || !*val || *end) {
			fprintf(stderr, "treqs %s: --%s: expected a whole number, found '%s'\n", cmd, o->name, val);
			return -1;
		}
		return 0;
	case CLI_NUMBER:
		if (treqs_parse_number(val, (double *)o->value) < 0 || !isfinite(*(double *)o->value)) {
			fprintf(stderr, "treqs %s: --%s: expected a number, found '%s'\n", cmd, o->name, val);
			return -1;
		}
		return 0;
	case CLI_END:
		break;
	}
	return -1;
}

static void usage_line(FILE *f, const struct cli_cmd_info *info)
{
	fprintf(f, "usage: treqs %s%s%s\n", info->name, *info->synopsis ? " " : "", info->synopsis);
}

int cli_parse(int argc, char **argv, const struct cli_cmd_info *info, struct cli_opt *opts,
	      struct treqs_strv *args)
{
	int i, only_args = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		struct cli_opt *o = NULL;
		const char *val = NULL;

		if (only_args || a[0] != '-' || !a[1]) {
			if (!args) {
				fprintf(stderr, "treqs %s: unexpected argument '%s'\n", info->name, a);
				usage_line(stderr, info);
				return -1;
			}
			treqs_strv_push(args, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cli_help(stdout, info, opts);
			return 1;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			for (o = opts; o->type != CLI_END; o++)
				if (strlen(o->name) == n && !strncmp(o->name, a + 2, n))
					break;
			if (o->type == CLI_END) {
				fprintf(stderr, "treqs %s: unknown option '%s'\n", info->name, a);
				usage_line(stderr, info);
				return -1;
			}
			if (eq) {
				if (o->type == CLI_FLAG) {
					fprintf(stderr, "treqs %s: option '--%s' takes no value\n", info->name, o->name);
					return -1;
				}
				val = eq + 1;
			}
		} else {
			for (o = opts; o->type != CLI_END; o++)
				if (o->short_name && o->short_name == a[1])
					break;
			if (o->type == CLI_END || (a[2] && o->type == CLI_FLAG)) {
				fprintf(stderr, "treqs %s: unknown option '%s'\n", info->name, a);
				usage_line(stderr, info);
				return -1;
			}
			if (a[2])
				val = a + 2;
		}
		if (o->type != CLI_FLAG && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "treqs %s: option '%s' needs a value\n", info->name, a);
				usage_line(stderr, info);
				return -1;
			}
			val = argv[++i];
		}
		if (set_value(o, val, info->name) < 0)
			return -1;
	}
	return 0;
}

void cli_help(FILE *f, const struct cli_cmd_info *info, const struct cli_opt *opts)
{
	const struct cli_opt *o;

	usage_line(f, info);
	fprintf(f, "\n%s\n", info->summary);
	fprintf(f, "\noptions:\n");
	for (o = opts; o->type != CLI_END; o++) {
		char left[80];
		int n;

		if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c, --%s", o->short_name, o->name);
		else
			n = snprintf(left, sizeof(left), "    --%s", o->name);
		if (o->type != CLI_FLAG && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg ? o->arg : "VALUE");
		fprintf(f, "    %-28s %s%s\n", left, o->help, o->type == CLI_LIST ? " (repeatable)" : "");
	}
	fprintf(f, "    %-28s %s\n", "-h, --help", "show this help");
}

int cli_fail(int code)
{
	const char *m = treqs_error_msg();

	fprintf(stderr, "treqs: %s\n", *m ? m : "unknown error");
	return treqs_exit_status(code);
}

int cli_die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("treqs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("treqs: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_print_json(json_t *j)
{
	int ret = json_dumpf(j, stdout, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));

	json_decref(j);
	fputc('\n', stdout);
	return ret < 0 ? cli_die(3, "unable to write JSON output") : 0;
}

int cli_open_repo(git_repository **repo)
{
	int ret = treqs_repo_open(repo, 0);

	return ret;
}

int cli_isatty_out(void)
{
	return isatty(1);
}

int cli_isatty_err(void)
{
	return isatty(2);
}
