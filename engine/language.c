/* Loading and checking language definition files. A definition is data the
 * operator may edit, so every field is type-checked and an unknown key is an
 * error naming the file: a typo must not silently drop a limit. */
#include "engine/language.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"

#define MAX_DEF_BYTES (256 * 1024)

static const char *const KNOWN_KEYS[] = {
    "id",
    "name",
    "aliases",
    "file_name",
    "source_extensions",
    "compiled",
    "compile",
    "run",
    "check",
    "version",
    "env",
    "limits",
    "compile_limits",
    "diagnostics",
    "memory_errors",
    "syntax_error",
    "support_files",
    "example",
    "class_naming",
    NULL,
};

static const char *const DIAGNOSTIC_FORMATS[] = {"gcc",   "python", "node", "tsc",
                                                 "javac", "go",     NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static int bad(rbx_error *err, const char *origin, const char *key, const char *what)
{
    return rbx_error_internal(err, "language definition %s: \"%s\" %s", origin, key, what);
}

static int get_string(json_object *def, const char *origin, const char *key, bool required,
                      const char **out, rbx_error *err)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(def, key, &v) || json_object_is_type(v, json_type_null)) {
        if (required)
            return bad(err, origin, key, "is missing");
        return 0;
    }
    if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
        return bad(err, origin, key, "must be a non-empty string");
    *out = json_object_get_string(v);
    return 0;
}

/* A NULL-terminated array of borrowed strings; NULL when absent and optional. */
static int get_string_array(json_object *def, const char *origin, const char *key, bool required,
                            bool allow_empty, const char ***out, rbx_error *err)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(def, key, &v) || json_object_is_type(v, json_type_null)) {
        if (required)
            return bad(err, origin, key, "is missing");
        return 0;
    }
    if (!json_object_is_type(v, json_type_array))
        return bad(err, origin, key, "must be an array of strings");
    size_t n = json_object_array_length(v);
    if (n == 0 && !allow_empty)
        return bad(err, origin, key, "must not be empty");
    const char **arr = calloc(n + 1, sizeof(*arr));
    if (!arr)
        return rbx_error_errno(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string) || json_object_get_string_len(e) == 0) {
            free(arr);
            return bad(err, origin, key, "must hold only non-empty strings");
        }
        arr[i] = json_object_get_string(e);
    }
    *out = arr;
    return 0;
}

static int get_limits(json_object *def, const char *origin, const char *key, rbx_step_limits *out,
                      rbx_error *err)
{
    json_object *obj;
    memset(out, 0, sizeof(*out));
    if (!json_object_object_get_ex(def, key, &obj) || !json_object_is_type(obj, json_type_object))
        return bad(err, origin, key, "must be an object of limits");
    json_object_object_foreach(obj, name, val)
    {
        if (!json_object_is_type(val, json_type_int) || json_object_get_int64(val) <= 0)
            return rbx_error_internal(
                err, "language definition %s: \"%s.%s\" must be a positive integer", origin, key,
                name);
        uint64_t n = (uint64_t)json_object_get_int64(val);
        if (strcmp(name, "cpu_share_milli") == 0) {
            out->cpu_share_milli = n > 64000 ? 64000 : (uint32_t)n;
            continue;
        }
        const rbx_limit_field *f = rbx_limit_field_named(name);
        if (!f)
            return rbx_error_internal(err, "language definition %s: unknown limit \"%s.%s\"",
                                      origin, key, name);
        rbx_limit_set(&out->limits, f, n);
    }
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++)
        if (rbx_limit_get(&out->limits, &RBX_LIMIT_FIELDS[i]) == 0)
            return rbx_error_internal(err, "language definition %s: \"%s.%s\" is missing", origin,
                                      key, RBX_LIMIT_FIELDS[i].name);
    return 0;
}

static int get_env(json_object *def, const char *origin, rbx_language *lang, rbx_error *err)
{
    json_object *obj;
    if (!json_object_object_get_ex(def, "env", &obj) || !json_object_is_type(obj, json_type_object))
        return bad(err, origin, "env", "must be an object of strings (it needs at least PATH)");
    size_t n = (size_t)json_object_object_length(obj), i = 0;
    lang->env = calloc(n + 1, sizeof(*lang->env));
    if (!lang->env)
        return rbx_error_errno(err, "out of memory");
    bool has_path = false;
    json_object_object_foreach(obj, name, val)
    {
        if (!json_object_is_type(val, json_type_string) || !name[0] || strchr(name, '='))
            return bad(err, origin, "env", "must map variable names to strings");
        char *kv;
        if (asprintf(&kv, "%s=%s", name, json_object_get_string(val)) < 0)
            return rbx_error_errno(err, "out of memory");
        lang->env[i++] = kv;
        has_path |= strcmp(name, "PATH") == 0;
    }
    if (!has_path)
        return bad(err, origin, "env", "must set PATH");
    return 0;
}

static bool safe_support_name(const char *s)
{
    if (s[0] != '.' || strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    return true;
}

static int get_support_files(json_object *def, const char *origin, rbx_language *lang,
                             rbx_error *err)
{
    json_object *arr;
    if (!json_object_object_get_ex(def, "support_files", &arr))
        return 0;
    if (!json_object_is_type(arr, json_type_array))
        return bad(err, origin, "support_files", "must be an array of {name, content}");
    size_t n = json_object_array_length(arr);
    lang->support_files = calloc(n + 1, sizeof(*lang->support_files));
    if (!lang->support_files)
        return rbx_error_errno(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i), *name, *content;
        if (!json_object_is_type(e, json_type_object) ||
            !json_object_object_get_ex(e, "name", &name) ||
            !json_object_object_get_ex(e, "content", &content) ||
            !json_object_is_type(name, json_type_string) ||
            !json_object_is_type(content, json_type_string) ||
            !safe_support_name(json_object_get_string(name)))
            return bad(err, origin, "support_files",
                       "entries need a name starting with '.' (no '/') and a string content");
        lang->support_files[i].name = json_object_get_string(name);
        lang->support_files[i].content = json_object_get_string(content);
    }
    lang->n_support_files = n;
    return 0;
}

/* glibc's regcomp copies a repeated operand once per count, and nested
 * repetitions multiply: "(a{1000}){1000}" or "[0-9]++++++..." take it seconds
 * and gigabytes (the latter found by tests/fuzz/fuzz_language). A definition's patterns have no use
 * for more than a few small bounds; past that they are refused. */
#define REGEX_MAX_LEN 512
#define REGEX_MAX_BOUND 32
#define REGEX_MAX_BOUNDS 4

static bool is_quantifier(char c)
{
    return c == '*' || c == '+' || c == '?' || c == '{';
}

static bool regex_is_tame(const char *pattern)
{
    if (strlen(pattern) > REGEX_MAX_LEN)
        return false;
    /* A quantifier on a quantifier ("a++++", undefined in POSIX EREs) nests
     * the same way, one level per character. */
    for (const char *p = pattern; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if ((*p == '*' || *p == '+' || *p == '?' || *p == '}') && is_quantifier(p[1]))
            return false;
    }
    int bounds = 0;
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        if (p > pattern && p[-1] == '\\')
            continue;
        if (++bounds > REGEX_MAX_BOUNDS)
            return false;
        for (const char *q = p + 1; isdigit((unsigned char)*q) || *q == ','; q++) {
            if (!isdigit((unsigned char)*q))
                continue;
            char *end;
            long n = strtol(q, &end, 10);
            if (n > REGEX_MAX_BOUND)
                return false;
            q = end - 1;
        }
    }
    return true;
}

static int get_version(json_object *def, const char *origin, rbx_language *lang, rbx_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(def, "version", &v) || !json_object_is_type(v, json_type_object))
        return bad(err, origin, "version", "must be {\"command\": [...], \"pattern\": \"...\"}");
    if (get_string_array(v, origin, "command", true, false, &lang->version_argv, err) < 0 ||
        get_string(v, origin, "pattern", true, &lang->version_pattern, err) < 0)
        return -1;
    regex_t re;
    if (!regex_is_tame(lang->version_pattern))
        return bad(err, origin, "version.pattern", "is too long or repeats too much");
    if (regcomp(&re, lang->version_pattern, REG_EXTENDED) != 0)
        return bad(err, origin, "version.pattern", "is not a valid extended regular expression");
    bool has_group = re.re_nsub >= 1;
    regfree(&re);
    if (!has_group)
        return bad(err, origin, "version.pattern", "needs a group capturing the version");
    return 0;
}

static int check_regex(const char *origin, const char *key, const char *pattern, rbx_error *err)
{
    regex_t re;
    if (!pattern)
        return 0;
    if (!regex_is_tame(pattern))
        return bad(err, origin, key, "is too long or repeats too much");
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return bad(err, origin, key, "is not a valid extended regular expression");
    regfree(&re);
    return 0;
}

static int check_keys(json_object *def, const char *origin, rbx_error *err)
{
    json_object_object_foreach(def, key, val)
    {
        (void)val;
        if (!in_list(KNOWN_KEYS, key))
            return rbx_error_internal(err, "language definition %s: unknown key \"%s\"", origin,
                                      key);
    }
    return 0;
}

static int get_compiled(json_object *def, const char *origin, rbx_language *lang, rbx_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(def, "compiled", &v) ||
        !json_object_is_type(v, json_type_boolean))
        return bad(err, origin, "compiled", "must be true or false");
    lang->compiled = json_object_get_boolean(v);
    if (get_string_array(def, origin, "compile", lang->compiled, false, &lang->compile_argv, err) <
        0)
        return -1;
    if (!lang->compiled && lang->compile_argv)
        return bad(err, origin, "compile", "is only for compiled languages");
    return 0;
}

static int fill_language(json_object *def, const char *origin, rbx_language *lang, rbx_error *err)
{
    if (!json_object_is_type(def, json_type_object))
        return rbx_error_internal(err, "language definition %s: not a JSON object", origin);
    if (check_keys(def, origin, err) < 0 ||
        get_string(def, origin, "id", true, &lang->id, err) < 0 ||
        get_string(def, origin, "name", true, &lang->name, err) < 0 ||
        get_string(def, origin, "file_name", true, &lang->file_name, err) < 0 ||
        get_string(def, origin, "example", true, &lang->example, err) < 0 ||
        get_string(def, origin, "diagnostics", true, &lang->diagnostics, err) < 0 ||
        get_string(def, origin, "syntax_error", false, &lang->syntax_error, err) < 0 ||
        get_string(def, origin, "class_naming", false, &lang->class_naming, err) < 0 ||
        get_string_array(def, origin, "aliases", false, true, &lang->aliases, err) < 0 ||
        get_string_array(def, origin, "source_extensions", true, false, &lang->source_extensions,
                         err) < 0 ||
        get_compiled(def, origin, lang, err) < 0 ||
        get_string_array(def, origin, "run", true, false, &lang->run_argv, err) < 0 ||
        get_string_array(def, origin, "check", true, false, &lang->check_argv, err) < 0 ||
        get_string_array(def, origin, "memory_errors", false, true, &lang->memory_errors, err) <
            0 ||
        get_version(def, origin, lang, err) < 0 || get_env(def, origin, lang, err) < 0 ||
        get_limits(def, origin, "limits", &lang->run_limits, err) < 0 ||
        get_limits(def, origin, "compile_limits", &lang->compile_limits, err) < 0 ||
        get_support_files(def, origin, lang, err) < 0 ||
        check_regex(origin, "syntax_error", lang->syntax_error, err) < 0)
        return -1;
    if (!in_list(DIAGNOSTIC_FORMATS, lang->diagnostics))
        return bad(err, origin, "diagnostics", "must be one of gcc, python, node, tsc, javac, go");
    if (lang->class_naming && strcmp(lang->class_naming, "java") != 0)
        return bad(err, origin, "class_naming", "must be \"java\" when given");
    if (strchr(lang->file_name, '/') || lang->file_name[0] == '.')
        return bad(err, origin, "file_name", "must be a plain file name");
    if (!rbx_language_is_source(lang, lang->file_name))
        return bad(err, origin, "file_name", "must end in one of source_extensions");
    for (const char *p = lang->id; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p))
            return bad(err, origin, "id", "must be lower-case letters and digits");
    return 0;
}

int rbx_language_parse(const char *text, const char *origin, rbx_language **out, rbx_error *err)
{
    *out = NULL;
    enum json_tokener_error jerr;
    json_object *def = json_tokener_parse_verbose(text, &jerr);
    if (!def)
        return rbx_error_internal(err, "language definition %s: invalid JSON: %s", origin,
                                  json_tokener_error_desc(jerr));
    rbx_language *lang = calloc(1, sizeof(*lang));
    if (!lang) {
        json_object_put(def);
        return rbx_error_errno(err, "out of memory");
    }
    lang->def = def;
    if (fill_language(def, origin, lang, err) < 0) {
        rbx_language_free(lang);
        return -1;
    }
    *out = lang;
    return 0;
}

static char *read_small_file(const char *path, rbx_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        rbx_error_errno(err, "cannot open language definition %s", path);
        return NULL;
    }
    char *buf = malloc(MAX_DEF_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_DEF_BYTES + 1, f) : 0;
    bool failed = !buf || ferror(f);
    fclose(f);
    if (failed || n > MAX_DEF_BYTES) {
        free(buf);
        rbx_error_internal(err, "cannot read language definition %s (unreadable or over %d bytes)",
                           path, MAX_DEF_BYTES);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

int rbx_language_load_file(const char *path, rbx_language **out, rbx_error *err)
{
    char *text = read_small_file(path, err);
    if (!text)
        return -1;
    int rc = rbx_language_parse(text, path, out, err);
    free(text);
    return rc;
}

void rbx_language_free(rbx_language *lang)
{
    if (!lang)
        return;
    free(lang->aliases);
    free(lang->source_extensions);
    free(lang->compile_argv);
    free(lang->run_argv);
    free(lang->check_argv);
    free(lang->version_argv);
    free(lang->memory_errors);
    if (lang->env)
        for (size_t i = 0; lang->env[i]; i++)
            free((char *)lang->env[i]);
    free(lang->env);
    free(lang->support_files);
    free(lang->version);
    json_object_put(lang->def);
    free(lang);
}

static bool names_language(const rbx_language *lang, const char *name)
{
    if (strcasecmp(lang->id, name) == 0)
        return true;
    for (size_t i = 0; lang->aliases && lang->aliases[i]; i++)
        if (strcasecmp(lang->aliases[i], name) == 0)
            return true;
    return false;
}

rbx_language *rbx_languages_find(const rbx_language_set *set, const char *id_or_alias)
{
    for (size_t i = 0; i < set->n; i++)
        if (names_language(set->items[i], id_or_alias))
            return set->items[i];
    return NULL;
}

static int check_unique(const rbx_language_set *set, const rbx_language *lang, rbx_error *err)
{
    if (rbx_languages_find(set, lang->id))
        return rbx_error_internal(err, "language \"%s\" is defined twice", lang->id);
    for (size_t i = 0; lang->aliases && lang->aliases[i]; i++)
        if (rbx_languages_find(set, lang->aliases[i]))
            return rbx_error_internal(err, "alias \"%s\" of language \"%s\" is already taken",
                                      lang->aliases[i], lang->id);
    return 0;
}

static int add_language(rbx_language_set *set, rbx_language *lang, rbx_error *err)
{
    if (check_unique(set, lang, err) < 0)
        return -1;
    rbx_language **items = realloc(set->items, (set->n + 1) * sizeof(*items));
    if (!items)
        return rbx_error_errno(err, "out of memory");
    set->items = items;
    set->items[set->n++] = lang;
    return 0;
}

static int by_id(const void *a, const void *b)
{
    return strcmp((*(rbx_language *const *)a)->id, (*(rbx_language *const *)b)->id);
}

static bool is_definition_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

int rbx_languages_load_dir(const char *dir, rbx_language_set *set, rbx_error *err)
{
    memset(set, 0, sizeof(*set));
    DIR *d = opendir(dir);
    if (!d)
        return rbx_error_errno(err, "cannot open the languages dir %s", dir);
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (!is_definition_name(de->d_name))
            continue;
        char path[4096];
        rbx_language *lang;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        rc = rbx_language_load_file(path, &lang, err);
        if (rc == 0 && (rc = add_language(set, lang, err)) < 0)
            rbx_language_free(lang);
    }
    closedir(d);
    if (rc == 0 && set->n == 0)
        rc = rbx_error_internal(err, "no language definitions (*.json) in %s", dir);
    if (rc < 0) {
        rbx_languages_free(set);
        return -1;
    }
    qsort(set->items, set->n, sizeof(*set->items), by_id);
    return 0;
}

void rbx_languages_free(rbx_language_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        rbx_language_free(set->items[i]);
    free(set->items);
    memset(set, 0, sizeof(*set));
}

bool rbx_language_is_source(const rbx_language *lang, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; lang->source_extensions[i]; i++) {
        size_t e = strlen(lang->source_extensions[i]);
        if (n > e && strcmp(name + n - e, lang->source_extensions[i]) == 0)
            return true;
    }
    return false;
}
