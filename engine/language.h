/* Language definitions: one JSON file per language in the languages dir
 * (languages/README.md documents the format). A definition says how to name the
 * source, compile it, syntax-check it, run it, read the toolchain's version,
 * which environment the box gets and which limits apply by default.
 *
 * Strings and arrays of a loaded definition are borrowed from the parsed JSON,
 * which the rbx_language keeps alive until rbx_language_free. */
#ifndef RBX_ENGINE_LANGUAGE_H
#define RBX_ENGINE_LANGUAGE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"

/* Limits of one sandbox step as a definition states them. */
typedef struct rbx_step_limits {
    rbx_limits limits;
    uint32_t cpu_share_milli; /* 0 = the server's default share */
} rbx_step_limits;

/* A file the engine writes next to the sources before compiling (e.g. ambient
 * declarations for tsc). Names start with '.', which submissions may not use. */
typedef struct rbx_support_file {
    const char *name;
    const char *content;
} rbx_support_file;

typedef struct rbx_language {
    json_object *def; /* the parsed file; owns every string below */
    const char *id, *name, *file_name, *example;
    const char **aliases;           /* NULL-terminated */
    const char **source_extensions; /* NULL-terminated, e.g. ".c" */
    bool compiled;
    const char **compile_argv; /* NULL-terminated templates; NULL when not compiled */
    const char **run_argv;
    const char **check_argv; /* /validate: compile or syntax check */
    const char **version_argv;
    const char *version_pattern; /* POSIX ERE; group 1 is the version */
    const char **env;            /* NULL-terminated "KEY=value" (owned, freed with the language) */
    rbx_step_limits run_limits, compile_limits;
    const char *diagnostics;    /* parser name: gcc, python, node, tsc, javac, go */
    const char **memory_errors; /* stderr substrings meaning the runtime ran out of memory */
    const char *syntax_error;   /* ERE over stderr: a failed run that is really a compile error */
    const char
        *class_naming; /* "java": code goes in its public class's file, {main} is main's class */
    rbx_support_file *support_files;
    size_t n_support_files;

    char *version; /* read lazily from the toolchain, then cached */
} rbx_language;

typedef struct rbx_language_set {
    rbx_language **items;
    size_t n;
} rbx_language_set;

/* Parse one definition from JSON text; `origin` names it in error messages. */
int rbx_language_parse(const char *text, const char *origin, rbx_language **out, rbx_error *err);
int rbx_language_load_file(const char *path, rbx_language **out, rbx_error *err);
void rbx_language_free(rbx_language *lang);

/* Every *.json in dir, sorted by id; duplicate ids or aliases are errors. */
int rbx_languages_load_dir(const char *dir, rbx_language_set *set, rbx_error *err);
void rbx_languages_free(rbx_language_set *set);

/* Case-insensitive lookup by id or alias; NULL when unknown. */
rbx_language *rbx_languages_find(const rbx_language_set *set, const char *id_or_alias);

/* The entry file's name without its extension ("Main" for Main.java). */
void rbx_language_stem(const char *file_name, char *out, size_t outsz);

/* Expand an argv template: {file} the entry file, {stem} its stem, {main} the
 * class that declares main (class_naming languages; else the stem), {dir} the
 * box's work dir, {sources} one element per source file (may be several),
 * {options} one element per option a caller adds before the program (a
 * grading harness's; none for a plain run). `extra` (may be NULL) is
 * appended. Returns a NULL-terminated array whose strings are owned by it:
 * free with rbx_argv_free. (engine/argv.c, librbxargv.a) */
typedef struct rbx_argv_vars {
    const char *file;
    const char *main_class; /* NULL: the stem */
    const char *dir;
    const char *const *sources; /* NULL-terminated */
    /* {prebuilt}: where the language's prebuilt set is in the box; NULL
     * when it is not built, and then an element naming it is left out. */
    const char *prebuilt;
    const char *const *options; /* NULL-terminated, or NULL */
} rbx_argv_vars;

char **rbx_argv_expand(const char *const *tmpl, const rbx_argv_vars *vars, const char *const *extra,
                       rbx_error *err);
void rbx_argv_free(char **argv);

/* A ready argv (a grading harness's) with only {prebuilt} expanded, or its
 * elements left out when prebuilt is NULL. */
char **rbx_argv_prebuilt(const char *const *argv, const char *prebuilt, rbx_error *err);

/* Whether name ends in one of the language's source extensions. */
bool rbx_language_is_source(const rbx_language *lang, const char *name);

/* The toolchain's version ("3.11.2"), run once on the host with the
 * definition's environment and cached; "unknown" when it cannot be read. */
const char *rbx_language_version(rbx_language *lang);

/* Extract group 1 of pattern from text into out; 0 on match. */
int rbx_version_extract(const char *pattern, const char *text, char *out, size_t outsz);

#endif
