/* Language definitions: the shipped files load, bad files give clear errors,
 * argv templates expand as argv (never shell words), versions are read. */
#include <check.h>
#include <string.h>
#include <unistd.h>

#include "engine/language.h"
#include "helpers.h"
#include "tests/unit/support/check_main.h"

static const char *GOOD =
    "{\"id\": \"lang\", \"name\": \"L\", \"aliases\": [\"l\"], \"file_name\": \"main.l\","
    " \"source_extensions\": [\".l\"], \"compiled\": false, \"run\": [\"l\", \"{file}\"],"
    " \"check\": [\"l\", \"-c\", \"{sources}\"],"
    " \"version\": {\"command\": [\"l\", \"-v\"], \"pattern\": \"L ([0-9.]+)\"},"
    " \"env\": {\"PATH\": \"/usr/bin\"},"
    " \"limits\": {\"cpu_time_ms\": 1, \"wall_time_ms\": 2, \"memory_kb\": 3, \"output_kb\": 4, "
    "\"processes\": 5},"
    " \"compile_limits\": {\"cpu_time_ms\": 1, \"wall_time_ms\": 2, \"memory_kb\": 3, "
    "\"output_kb\": 4, \"processes\": 5, \"cpu_share_milli\": 1000},"
    " \"diagnostics\": \"gcc\", \"example\": \"hello\"}";

START_TEST(test_shipped_languages_load)
{
    rbx_language_set set;
    load_languages(&set);
    ck_assert_uint_eq(set.n, 7);
    static const char *const IDS[] = {"c",          "cpp",    "go",        "java",
                                      "javascript", "python", "typescript"};
    for (size_t i = 0; i < 7; i++) {
        ck_assert_str_eq(set.items[i]->id, IDS[i]);
        ck_assert_ptr_nonnull(set.items[i]->example);
        ck_assert_ptr_nonnull(set.items[i]->check_argv);
        ck_assert(set.items[i]->run_limits.limits.memory_kb >= 131072);
    }
    rbx_language *java = rbx_languages_find(&set, "java");
    ck_assert_str_eq(java->file_name, "Main.java");
    ck_assert(java->compiled);
    ck_assert(!rbx_languages_find(&set, "python")->compiled);
    ck_assert_ptr_null(rbx_languages_find(&set, "cobol"));
    rbx_languages_free(&set);
}
END_TEST

START_TEST(test_good_definition_parses)
{
    rbx_language *l;
    rbx_error err;
    ck_assert_int_eq(rbx_language_parse(GOOD, "good.json", &l, &err), 0);
    ck_assert_str_eq(l->id, "lang");
    ck_assert_str_eq(l->env[0], "PATH=/usr/bin");
    ck_assert_uint_eq(l->compile_limits.cpu_share_milli, 1000);
    ck_assert_uint_eq(l->run_limits.limits.processes, 5);
    rbx_language_free(l);
}
END_TEST

/* Each bad definition is GOOD with one edit; the error must name the problem. */
static const struct {
    const char *from, *to, *expect;
} BAD_DEFS[] = {
    {"\"example\": \"hello\"}", "\"example\": \"hello\", \"colour\": 1}", "unknown key \"colour\""},
    {"\"run\": [\"l\", \"{file}\"]", "\"run\": []", "\"run\" must not be empty"},
    {"\"run\": [\"l\", \"{file}\"]", "\"run\": \"l main.l\"", "\"run\" must be an array"},
    {"\"id\": \"lang\", ", "", "\"id\" is missing"},
    {"\"compiled\": false", "\"compiled\": \"no\"", "\"compiled\" must be true or false"},
    {"\"compiled\": false", "\"compiled\": true", "\"compile\" is missing"},
    {"\"processes\": 5},", "\"processes\": -5},", "must be a positive integer"},
    {"\"memory_kb\": 3, \"output_kb\": 4, \"processes\": 5}", "\"memory_kb\": 3, \"output_kb\": 4}",
     "\"limits.processes\" is missing"},
    {"{\"PATH\": \"/usr/bin\"}", "{\"HOME\": \"/tmp\"}", "must set PATH"},
    {"\"pattern\": \"L ([0-9.]+)\"", "\"pattern\": \"L [0-9.]+\"", "needs a group"},
    /* found by tests/fuzz/fuzz_language: patterns that take glibc's regcomp
     * seconds and gigabytes */
    {"\"pattern\": \"L ([0-9.]+)\"", "\"pattern\": \"L ([0-9.]+++++++++++++++++++)\"",
     "repeats too much"},
    {"\"pattern\": \"L ([0-9.]+)\"", "\"pattern\": \"L ((a{1000}){1000})\"", "repeats too much"},
    {"\"diagnostics\": \"gcc\"", "\"diagnostics\": \"clang\"", "\"diagnostics\" must be one of"},
    {"\"file_name\": \"main.l\"", "\"file_name\": \"../main.l\"", "\"file_name\" must be a plain"},
    {"\"file_name\": \"main.l\"", "\"file_name\": \"main.x\"",
     "must end in one of source_extensions"},
    {"\"id\": \"lang\"", "\"id\": \"Lang!\"", "\"id\" must be lower-case"},
    {"{\"id\"", "[{\"id\"", "invalid JSON"},
};

static char *replace_once(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    ck_assert_ptr_nonnull(at);
    char *out = malloc(strlen(s) + strlen(to) + 1);
    sprintf(out, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

START_TEST(test_bad_definitions_are_named)
{
    char *text = replace_once(GOOD, BAD_DEFS[_i].from, BAD_DEFS[_i].to);
    rbx_language *l = NULL;
    rbx_error err;
    ck_assert_int_eq(rbx_language_parse(text, "bad.json", &l, &err), -1);
    ck_assert_ptr_null(l);
    ck_assert_msg(strstr(err.message, "bad.json") || strstr(err.message, "invalid JSON"),
                  "no origin in: %s", err.message);
    ck_assert_msg(strstr(err.message, BAD_DEFS[_i].expect), "case %d: \"%s\" lacks \"%s\"", _i,
                  err.message, BAD_DEFS[_i].expect);
    free(text);
}
END_TEST

START_TEST(test_missing_dir_and_duplicates)
{
    rbx_language_set set;
    rbx_error err;
    ck_assert_int_eq(rbx_languages_load_dir("/nonexistent/languages", &set, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/languages"));

    char dir[] = "/tmp/rbx-lang-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/l%d.json", dir, i);
        FILE *f = fopen(path, "w");
        fputs(GOOD, f);
        fclose(f);
    }
    ck_assert_int_eq(rbx_languages_load_dir(dir, &set, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "defined twice"));
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/l%d.json", dir, i);
        unlink(path);
    }
    ck_assert_int_eq(rbx_languages_load_dir(dir, &set, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "no language definitions"));
    rmdir(dir);
}
END_TEST

START_TEST(test_argv_expansion)
{
    const char *tmpl[] = {"javac", "-d", "{dir}/out", "{sources}", "-cp", "{stem}:x", NULL};
    const char *sources[] = {"Main.java", "Util.java", NULL};
    const char *extra[] = {"a b", "; rm -rf /", NULL};
    rbx_argv_vars vars = {.file = "Main.java", .dir = "/box", .sources = sources};
    rbx_error err;
    char **argv = rbx_argv_expand(tmpl, &vars, extra, &err);
    ck_assert_ptr_nonnull(argv);
    const char *want[] = {"javac", "-d",     "/box/out", "Main.java",  "Util.java",
                          "-cp",   "Main:x", "a b",      "; rm -rf /", NULL};
    for (size_t i = 0; want[i]; i++)
        ck_assert_str_eq(argv[i], want[i]);
    ck_assert_ptr_null(argv[9]);
    rbx_argv_free(argv);

    const char *typo[] = {"cc", "{flie}", NULL};
    ck_assert_ptr_null(rbx_argv_expand(typo, &vars, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "unknown placeholder"));

    /* {prebuilt}: expanded when the set is built, its element left out when not */
    const char *pre[] = {"java", "-XX:SharedArchiveFile={prebuilt}/java.jsa", "{stem}", NULL};
    argv = rbx_argv_expand(pre, &vars, NULL, &err);
    ck_assert_str_eq(argv[1], "Main");
    ck_assert_ptr_null(argv[2]);
    rbx_argv_free(argv);
    vars.prebuilt = "/prebuilt";
    argv = rbx_argv_expand(pre, &vars, NULL, &err);
    ck_assert_str_eq(argv[1], "-XX:SharedArchiveFile=/prebuilt/java.jsa");
    rbx_argv_free(argv);
    argv = rbx_argv_prebuilt(pre, NULL, &err);
    ck_assert_str_eq(argv[1], "{stem}");
    rbx_argv_free(argv);
    argv = rbx_argv_prebuilt(pre, "/prebuilt", &err);
    ck_assert_str_eq(argv[1], "-XX:SharedArchiveFile=/prebuilt/java.jsa");
    rbx_argv_free(argv);

    /* {options}: a caller's own options, one element each, none for a plain run */
    const char *opt[] = {"java", "{options}", "{main}", NULL};
    argv = rbx_argv_expand(opt, &vars, NULL, &err);
    ck_assert_str_eq(argv[1], "Main");
    ck_assert_ptr_null(argv[2]);
    rbx_argv_free(argv);
    const char *options[] = {"-ea", "-cp", "a:b", NULL};
    vars.options = options;
    vars.main_class = "Runner";
    argv = rbx_argv_expand(opt, &vars, NULL, &err);
    const char *with[] = {"java", "-ea", "-cp", "a:b", "Runner", NULL};
    for (size_t i = 0; with[i]; i++)
        ck_assert_str_eq(argv[i], with[i]);
    ck_assert_ptr_null(argv[5]);
    rbx_argv_free(argv);
}
END_TEST

START_TEST(test_version_extraction)
{
    char v[64];
    ck_assert_int_eq(
        rbx_version_extract("Python ([0-9]+(\\.[0-9]+)*)", "Python 3.11.2\n", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "3.11.2");
    ck_assert_int_eq(rbx_version_extract("version \"([^\"]+)\"",
                                         "openjdk version \"17.0.9\" 2023-10-17\n", v, sizeof(v)),
                     0);
    ck_assert_str_eq(v, "17.0.9");
    ck_assert_int_eq(rbx_version_extract("go([0-9]+(\\.[0-9]+)*)",
                                         "go version go1.19.8 linux/amd64", v, sizeof(v)),
                     0);
    ck_assert_str_eq(v, "1.19.8");
    ck_assert_int_eq(rbx_version_extract("Python ([0-9.]+)", "nothing here", v, sizeof(v)), -1);
}
END_TEST

/* The real toolchains of this machine, read through the definitions. */
START_TEST(test_installed_versions_are_read)
{
    rbx_language_set set;
    load_languages(&set);
    for (size_t i = 0; i < set.n; i++) {
        const char *v = rbx_language_version(set.items[i]);
        ck_assert_msg(strcmp(v, "unknown") != 0 && v[0] >= '0' && v[0] <= '9', "%s version \"%s\"",
                      set.items[i]->id, v);
        ck_assert_ptr_eq(rbx_language_version(set.items[i]), v); /* cached */
    }
    rbx_languages_free(&set);
}
END_TEST

START_TEST(test_stem_and_sources)
{
    char stem[64];
    rbx_language_stem("Main.java", stem, sizeof(stem));
    ck_assert_str_eq(stem, "Main");
    rbx_language_stem("noext", stem, sizeof(stem));
    ck_assert_str_eq(stem, "noext");
    rbx_language_set set;
    load_languages(&set);
    rbx_language *cpp = rbx_languages_find(&set, "cpp");
    ck_assert(rbx_language_is_source(cpp, "a.cc"));
    ck_assert(!rbx_language_is_source(cpp, "a.h"));
    ck_assert(!rbx_language_is_source(cpp, ".cpp"));
    rbx_languages_free(&set);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("language");
    TCase *tc = tcase_create("definitions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_shipped_languages_load);
    tcase_add_test(tc, test_good_definition_parses);
    tcase_add_loop_test(tc, test_bad_definitions_are_named, 0,
                        (int)(sizeof(BAD_DEFS) / sizeof(BAD_DEFS[0])));
    tcase_add_test(tc, test_missing_dir_and_duplicates);
    tcase_add_test(tc, test_argv_expansion);
    tcase_add_test(tc, test_version_extraction);
    tcase_add_test(tc, test_installed_versions_are_read);
    tcase_add_test(tc, test_stem_and_sources);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
