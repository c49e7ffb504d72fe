/* yamlparse.c - the floor for import: a raw libyaml parse of the files.
 *
 * Parses every file given (or every *.yaml under a directory) into libyaml
 * documents, one at a time, and discards them: the least work any YAML
 * importer must do. `make bench` compares `baton import` against it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

static long docs;

static int parse_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t p;
	yaml_document_t d;

	if (!f) {
		perror(path);
		return 1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	for (;;) {
		if (!yaml_parser_load(&p, &d)) {
			fprintf(stderr, "%s: parse error\n", path);
			break;
		}
		if (!yaml_document_get_root_node(&d)) {
			yaml_document_delete(&d);
			break;
		}
		docs++;
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return 0;
}

static int walk(const char *path)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	int rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return parse_file(path);
	if (!(dir = opendir(path)))
		return 1;
	while ((de = readdir(dir))) {
		char sub[4096];
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rc |= walk(sub);
		else if (n > 5 && !strcmp(de->d_name + n - 5, ".yaml"))
			rc |= parse_file(sub);
	}
	closedir(dir);
	return rc;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		rc |= walk(argv[i]);
	printf("%ld documents\n", docs);
	return rc;
}
