/* The seed platforms' source rewrites: `imports` per language and the Java
 * scanner that names the entry file and the class holding main. */
#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "engine/imports.h"
#include "engine/java_source.h"
#include "tests/unit/support/check_main.h"

/* Apply imports (a JSON array text) to code; the new content, or NULL with err. */
static char *apply(const char *lang, const char *imports, const char *code, rbx_error *err)
{
    json_object *arr = json_tokener_parse(imports);
    rbx_source_file f = {strdup("x"), strdup(code), strlen(code)};
    int rc = rbx_imports_apply(lang, arr, &f, err);
    json_object_put(arr);
    free(f.name);
    if (rc < 0) {
        free(f.content);
        return NULL;
    }
    ck_assert_uint_eq(f.len, strlen(f.content));
    return f.content;
}

static const struct {
    const char *lang, *imports, *code, *want;
} IMPORTS[] = {
    {"python", "[\"math\", \"from os import path\"]", "print(1)\n",
     "import math; from os import path; \nprint(1)\n"},
    {"java", "[\"java.util.*\", \"import java.io.File;\"]", "class A {}\n",
     "import java.util.*; import java.io.File; \nclass A {}\n"},
    {"cpp", "[\"vector\", \"<map>\", \"\\\"mine.h\\\"\"]", "int x;\n",
     "#include <vector>\n#include <map>\n#include \"mine.h\"\n#line 1\nint x;\n"},
    {"c", "[\"stdio.h\"]", "int main(void) {}\n",
     "#include <stdio.h>\n#line 1\nint main(void) {}\n"},
    {"go", "[\"strings\", \"fmt\"]", "// c\npackage main\n\nimport \"fmt\"\n",
     "// c\npackage main\nimport \"strings\"\n\nimport \"fmt\"\n"},
    {"go", "[\"os\"]", "package main", "package main\nimport \"os\"\n"},
    {"javascript", "[\"fs\", \"node:path\", \"lodash/fp\"]", "f()\n",
     "const fs = require(\"fs\"); const path = require(\"node:path\"); const fp = "
     "require(\"lodash/fp\"); \nf()\n"},
    {"javascript", "[\"fs\"]", "const fs = require('fs');\n", "\nconst fs = require('fs');\n"},
    {"python", "[]", "print(1)\n", "print(1)\n"},
};

START_TEST(test_imports_per_language)
{
    rbx_error err;
    char *out = apply(IMPORTS[_i].lang, IMPORTS[_i].imports, IMPORTS[_i].code, &err);
    ck_assert_msg(out != NULL, "case %d: %s", _i, err.message);
    ck_assert_msg(strcmp(out, IMPORTS[_i].want) == 0, "case %d: got [%s]", _i, out);
    free(out);
}
END_TEST

START_TEST(test_bad_imports)
{
    static const char *const BAD[] = {"\"math\"", "[1]", "[\"a\\nimport os\"]", "[\"\"]",
                                      "[\"a\\\"b\"]"};
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        rbx_error err;
        rbx_error_clear(&err);
        ck_assert_ptr_null(apply("python", BAD[i], "x", &err));
        ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
        ck_assert_msg(strncmp(err.field, "imports", 7) == 0, "%s: field %s", BAD[i], err.field);
    }
}
END_TEST

static const struct {
    const char *src, *public_class, *main_class;
} JAVA[] = {
    {"public class HelloWorld { public static void main(String[] a) {} }", "HelloWorld",
     "HelloWorld"},
    {"class Helper {}\nclass Program {\n  static class Inner { void main() {} }\n"
     "  public static void main(String[] a) {}\n}\n",
     "", "Program"},
    {"public class Solution { int f() { return 1; } }\nclass Main { static public void main "
     "(String... a) {} }",
     "Solution", "Main"},
    {"public final class A { static class B { public static void main(String[] a) {} } }", "A",
     "A$B"},
    /* words in comments and strings are not declarations */
    {"// public class Fake { static void main(String[] a) {} }\n"
     "class Real { String s = \"public class X { static void main(\";\n"
     "  /* class Y */ public static void main(String[] a) {} }",
     "", "Real"},
    {"class NoMain { void f() {} }", "", ""},
};

START_TEST(test_java_classes)
{
    rbx_java_classes c;
    rbx_java_scan(JAVA[_i].src, strlen(JAVA[_i].src), &c);
    ck_assert_msg(strcmp(c.public_class, JAVA[_i].public_class) == 0, "case %d: public [%s]", _i,
                  c.public_class);
    ck_assert_msg(strcmp(c.main_class, JAVA[_i].main_class) == 0, "case %d: main [%s]", _i,
                  c.main_class);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("seed_sources");
    TCase *tc = tcase_create("seed_sources");
    tcase_add_loop_test(tc, test_imports_per_language, 0,
                        (int)(sizeof(IMPORTS) / sizeof(IMPORTS[0])));
    tcase_add_test(tc, test_bad_imports);
    tcase_add_loop_test(tc, test_java_classes, 0, (int)(sizeof(JAVA) / sizeof(JAVA[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
