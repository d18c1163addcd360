/* Shared parts of the harness generators: plans, argv building, writing files
 * into the work dir, and the quick source checks that turn a missing function
 * into a clear compile_error before anything is compiled. */
#include "engine/grading/harness.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/language.h"

static const struct {
    const char *language;
    rbx_harness_generator generate;
} generators[] = {
    {"python", rbx_harness_python},
    {"javascript", rbx_harness_javascript},
    {"typescript", rbx_harness_typescript},
    {"java", rbx_harness_java},
    {"cpp", rbx_harness_cpp},
    {"go", rbx_harness_go},
    {"c", rbx_harness_c},
};

rbx_harness_generator rbx_harness_for(const char *language)
{
    for (size_t i = 0; i < sizeof(generators) / sizeof(generators[0]); i++)
        if (strcmp(generators[i].language, language) == 0)
            return generators[i].generate;
    return NULL;
}

int rbx_harness_plan_make(const char *language, const rbx_harness_input *in, rbx_harness_plan *plan,
                          rbx_error *err)
{
    memset(plan, 0, sizeof(*plan));
    rbx_harness_generator generate = rbx_harness_for(language);
    if (!generate)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "language",
                               "grading is not available for language %s", language);
    if (generate(in, plan, err) < 0) {
        rbx_harness_plan_free(plan);
        return -1;
    }
    return 0;
}

void rbx_harness_plan_free(rbx_harness_plan *plan)
{
    for (size_t i = 0; i < plan->n_owned; i++)
        free(plan->owned[i]);
    for (size_t i = 0; i < plan->n_expanded; i++)
        rbx_argv_free(plan->expanded[i]);
    free(plan->uncallable);
    memset(plan, 0, sizeof(*plan));
}

const char *rbx_plan_keep(rbx_harness_plan *plan, char *s)
{
    if (!s || plan->n_owned >= RBX_PLAN_MAX_OWNED) {
        free(s);
        return NULL;
    }
    plan->owned[plan->n_owned++] = s;
    return s;
}

const char **rbx_plan_compile_step(rbx_harness_plan *plan)
{
    if (plan->n_compile >= RBX_PLAN_MAX_STEPS)
        abort(); /* a generator bug, not an input: every generator has a fixed step count */
    return plan->compile[plan->n_compile++];
}

const char **rbx_plan_check_step(rbx_harness_plan *plan)
{
    plan->runs_code[plan->n_compile] = true;
    return rbx_plan_compile_step(plan);
}

static void argv_push(const char **argv, const char *s)
{
    size_t n = 0;
    while (argv[n])
        n++;
    if (s && n + 1 < RBX_PLAN_MAX_ARGS)
        argv[n] = s;
}

void rbx_plan_argv(const char **argv, ...)
{
    va_list ap;
    va_start(ap, argv);
    for (const char *s; (s = va_arg(ap, const char *));)
        argv_push(argv, s);
    va_end(ap);
}

/* The request's extra files whose names end in suffix (".c", ".java", ".go"). */
void rbx_plan_argv_extra(const char **argv, const rbx_harness_input *in, const char *suffix)
{
    size_t sl = strlen(suffix);
    for (size_t i = 0; i < in->n_extra_files; i++) {
        const char *f = in->extra_files[i];
        size_t fl = strlen(f);
        if (fl > sl && strcmp(f + fl - sl, suffix) == 0)
            argv_push(argv, f);
    }
}

int rbx_plan_command(rbx_harness_plan *plan, const char **argv, const char *const *tmpl,
                     const rbx_harness_input *in, const rbx_plan_files *files, rbx_error *err)
{
    if (!tmpl || !in->definition)
        return rbx_error_internal(err, "the language definition has no command for the harness");
    if (plan->n_expanded >= sizeof(plan->expanded) / sizeof(plan->expanded[0]))
        abort(); /* a generator bug: every generator has a fixed command count */
    rbx_argv_vars vars = {
        .file = files->file,
        .main_class = files->main_class,
        .dir = in->definition->dir ? in->definition->dir : ".",
        .sources = files->sources,
        .prebuilt = "{prebuilt}", /* kept as it is: the engine knows whether the set is built */
        .options = files->options,
    };
    char **expanded = rbx_argv_expand(tmpl, &vars, NULL, err);
    if (!expanded)
        return -1;
    plan->expanded[plan->n_expanded++] = expanded;
    for (size_t i = 0; expanded[i]; i++)
        argv_push(argv, expanded[i]);
    return 0;
}

const char *const *rbx_plan_sources(rbx_harness_plan *plan, const rbx_harness_input *in,
                                    const char *first, const char *suffix, const char *last)
{
    const char **list = calloc(in->n_extra_files + 3, sizeof(char *));
    if (!rbx_plan_keep(plan, (char *)list))
        return NULL;
    size_t n = 0, sl = suffix ? strlen(suffix) : 0;
    if (first)
        list[n++] = first;
    for (size_t i = 0; suffix && i < in->n_extra_files; i++) {
        const char *f = in->extra_files[i];
        size_t fl = strlen(f);
        if (fl > sl && strcmp(f + fl - sl, suffix) == 0)
            list[n++] = f;
    }
    if (last)
        list[n++] = last;
    return list;
}

void rbx_plan_uncallable(rbx_harness_plan *plan, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(plan->uncallable);
    if (vasprintf(&plan->uncallable, fmt, ap) < 0)
        plan->uncallable = NULL;
    va_end(ap);
    if (!plan->uncallable)
        plan->uncallable = strdup("the function cannot be called");
}

int rbx_harness_write(int dirfd, const char *name, const char *data, size_t len, rbx_error *err)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return rbx_error_errno(err, "cannot create %s in the work dir", name);
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rbx_error_errno(err, "cannot write %s in the work dir", name);
            close(fd);
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    if (close(fd) < 0)
        return rbx_error_errno(err, "cannot write %s in the work dir", name);
    return 0;
}

FILE *rbx_text_start(char **buf, size_t *len, rbx_error *err)
{
    *buf = NULL;
    FILE *f = open_memstream(buf, len);
    if (!f)
        rbx_error_errno(err, "cannot build a harness");
    return f;
}

int rbx_text_write_file(int dirfd, const char *name, FILE *f, char **buf, size_t *len,
                        rbx_error *err)
{
    bool failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        free(*buf);
        *buf = NULL;
        return rbx_error_internal(err, "cannot build %s", name);
    }
    int rc = rbx_harness_write(dirfd, name, *buf, *len, err);
    free(*buf);
    *buf = NULL;
    return rc;
}

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The next whole-word occurrence of word in s at or after from, or NULL. */
static const char *find_word(const char *s, const char *from, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(from, word); p; p = strstr(p + 1, word))
        if ((p == s || !is_word_char(p[-1])) && !is_word_char(p[n]))
            return p;
    return NULL;
}

bool rbx_source_mentions(const char *source, const char *name)
{
    return find_word(source, source, name) != NULL;
}

bool rbx_source_declares(const char *source, const char *keyword, const char *name)
{
    for (const char *p = find_word(source, source, keyword); p;
         p = find_word(source, p + 1, keyword)) {
        const char *q = p + strlen(keyword);
        if (!isspace((unsigned char)*q))
            continue;
        while (isspace((unsigned char)*q))
            q++;
        if (strncmp(q, name, strlen(name)) == 0 && !is_word_char(q[strlen(name)]))
            return true;
    }
    return false;
}
