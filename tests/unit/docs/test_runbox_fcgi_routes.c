/* runbox-fcgi(8) (docs/runbox-fcgi.8) documents every route: each route of
 * the native table (fcgi/router.c) and of every dialect (fcgi/dialects/) has
 * a tag line ".B METHOD /full/path" in its ROUTES section, a "{name}"
 * segment standing for the table's "*"; and every route the page names
 * exists, so the page cannot drift from the tables either way. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi/dialects/dialect.h"
#include "tests/unit/support/check_main.h"

#define MAX_DOC_ROUTES 128

static char doc_routes[MAX_DOC_ROUTES][160];
static size_t n_doc_routes;

/* A "{name}" segment becomes the table's star: "GET /x/{id}" is "GET /x/" and a star. */
static void normalise(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < outsz; p++) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (close) {
                out[n++] = '*';
                p = close;
                continue;
            }
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* The ".B METHOD /path" lines of the ROUTES section. */
static void read_doc_routes(void)
{
    const char *src = getenv("RUNBOX_SRCDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/docs/runbox-fcgi.8", src ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    char line[512];
    bool in_routes = false;
    n_doc_routes = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, ".SH", 3) == 0)
            in_routes = strstr(line, "ROUTES") != NULL;
        if (!in_routes || strncmp(line, ".B ", 3) != 0 || !strstr(line, " /"))
            continue;
        const char *text = line + 3;
        char unquoted[512];
        snprintf(unquoted, sizeof(unquoted), "%s", text[0] == '"' ? text + 1 : text);
        unquoted[strcspn(unquoted, "\"")] = '\0';
        ck_assert_uint_lt(n_doc_routes, MAX_DOC_ROUTES);
        normalise(unquoted, doc_routes[n_doc_routes], sizeof(doc_routes[0]));
        n_doc_routes++;
    }
    fclose(f);
}

static bool in_doc(const char *route)
{
    for (size_t i = 0; i < n_doc_routes; i++)
        if (strcmp(doc_routes[i], route) == 0)
            return true;
    return false;
}

static void route_name(const rbx_dialect *d, const rbx_route *r, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s %s%s", r->method, d->prefix, r->pattern);
}

START_TEST(test_every_route_is_in_the_man_page)
{
    read_doc_routes();
    int missing = 0;
    size_t total = 0;
    for (size_t i = 0; rbx_dialects[i]; i++) {
        const rbx_dialect *d = rbx_dialects[i];
        for (size_t j = 0; j < d->n_routes; j++, total++) {
            char name[160];
            route_name(d, &d->routes[j], name, sizeof(name));
            if (!in_doc(name)) {
                fprintf(stderr, "docs/runbox-fcgi.8: %s is missing\n", name);
                missing++;
            }
        }
    }
    ck_assert_uint_ge(total, 40);
    ck_assert_msg(missing == 0, "%d routes undocumented (listed above)", missing);
}
END_TEST

START_TEST(test_every_documented_route_exists)
{
    read_doc_routes();
    ck_assert_uint_gt(n_doc_routes, 0);
    int unknown = 0;
    for (size_t k = 0; k < n_doc_routes; k++) {
        bool found = false;
        for (size_t i = 0; !found && rbx_dialects[i]; i++)
            for (size_t j = 0; !found && j < rbx_dialects[i]->n_routes; j++) {
                char name[160];
                route_name(rbx_dialects[i], &rbx_dialects[i]->routes[j], name, sizeof(name));
                found = strcmp(name, doc_routes[k]) == 0;
            }
        if (!found) {
            fprintf(stderr, "docs/runbox-fcgi.8: %s is not a route\n", doc_routes[k]);
            unknown++;
        }
    }
    ck_assert_msg(unknown == 0, "%d documented routes do not exist (listed above)", unknown);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("docs-runbox-fcgi-routes");
    TCase *tc = tcase_create("routes");
    tcase_add_test(tc, test_every_route_is_in_the_man_page);
    tcase_add_test(tc, test_every_documented_route_exists);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
