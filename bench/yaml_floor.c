/*
 * yaml_floor.c - the floor for `treqs validate DIR`: read every *.yaml /
 * *.yml file in DIR (as validate does: directory listing, then each file
 * read whole into memory) and run libyaml's event parser over it until
 * STREAM_END.  Nothing else: no tree, no checks, no diagnostics.
 *
 *   bench_yaml_floor DIR [DIR...]
 *
 * Prints "files N events E bytes B failed F" on stdout.  Exit 1 when a
 * file could not be read or parsed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static unsigned long long nfiles, nevents, nbytes, nfailed;

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && !strcmp(s + n - m, suf);
}

static void parse_file(const char *path, unsigned char **buf, size_t *cap)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	size_t len = 0;
	ssize_t r;
	yaml_parser_t parser;
	yaml_event_t ev;
	int done = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "yaml_floor: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		nfailed++;
		return;
	}
	if ((size_t)st.st_size + 1 > *cap) {
		*cap = (size_t)st.st_size + 1;
		if (!(*buf = realloc(*buf, *cap)))
			abort();
	}
	while (len < (size_t)st.st_size && (r = read(fd, *buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)r;
	close(fd);
	nfiles++;
	nbytes += len;

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, *buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			fprintf(stderr, "yaml_floor: %s:%zu:%zu: %s\n", path, (size_t)parser.problem_mark.line + 1,
				(size_t)parser.problem_mark.column + 1, parser.problem ? parser.problem : "parse error");
			nfailed++;
			break;
		}
		nevents++;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
}

int main(int argc, char **argv)
{
	unsigned char *buf = NULL;
	size_t cap = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_yaml_floor DIR [DIR...]\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;

		if (!d) {
			fprintf(stderr, "yaml_floor: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		while ((de = readdir(d))) {
			char *path;

			if (de->d_name[0] == '.' || !(has_suffix(de->d_name, ".yaml") || has_suffix(de->d_name, ".yml")))
				continue;
			if (!(path = malloc(strlen(argv[i]) + strlen(de->d_name) + 2)))
				abort();
			sprintf(path, "%s/%s", argv[i], de->d_name);
			parse_file(path, &buf, &cap);
			free(path);
		}
		closedir(d);
	}
	free(buf);
	printf("files %llu events %llu bytes %llu failed %llu\n", nfiles, nevents, nbytes, nfailed);
	return nfailed ? 1 : 0;
}
