/*
 * validate.h - checking a set of TR files: each file on its own (tr.h),
 * plus the rules that need the set: the file name matches the id under
 * .treqs/requests/, and no id is used by two files.
 */
#ifndef TREQS_VALIDATE_H
#define TREQS_VALIDATE_H

#include "treqs/common.h"

struct treqs_config;

/*
 * Validates the files and directories in paths (directories: their
 * *.yaml and *.yml files, not recursive).  Diagnostics go to diags; the
 * number of files checked to *nfiles.  Returns 0 when no error was found,
 * TREQS_EINVALID when some were, TREQS_ENOTFOUND/TREQS_EENV when a path
 * could not be read (also reported in diags).
 */
int treqs_validate_paths(const struct treqs_strv *paths, const struct treqs_config *cfg,
			 struct treqs_diags *diags, size_t *nfiles);

/*
 * Checks that a TR at path (in a repository tree or on disk) has the
 * file name its id calls for, when path is under a "requests" directory.
 */
void treqs_validate_name(const char *path, const char *id, unsigned line, unsigned col,
			 struct treqs_diags *diags);

#endif
