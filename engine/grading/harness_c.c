/* C: the function's signature is read from the code: int-like, double/float,
 * bool and char* parameters and returns, and arrays as `T *p` (or `T p[]`)
 * followed by an integer length parameter, which the harness fills from the
 * JSON list (or from the case when it gives the length itself). The code is
 * included with its main set aside; json-c decodes and encodes. Test code
 * uses assert.h: each test_* function is one test (harness_ctests.c), or the
 * tests' own main is the one test. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 16

typedef enum c_kind { K_UNSUPPORTED, K_VOID, K_INT, K_DOUBLE, K_BOOL, K_STRING } c_kind;

typedef struct c_type {
    c_kind kind;
    bool array;    /* T *p with a length parameter after it */
    bool length;   /* the length of the array parameter before it */
    char base[48]; /* the C scalar type, for declarations and casts */
    char text[96]; /* as written, for messages */
} c_type;

typedef struct c_signature {
    c_type ret;
    c_type params[MAX_PARAMS];
    size_t n;
} c_signature;

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static const struct {
    const char *words;
    c_kind kind;
} scalar_types[] = {
    {"int", K_INT},           {"long", K_INT},     {"long int", K_INT}, {"long long", K_INT},
    {"long long int", K_INT}, {"short", K_INT},    {"unsigned", K_INT}, {"unsigned int", K_INT},
    {"unsigned long", K_INT}, {"size_t", K_INT},   {"int64_t", K_INT},  {"int32_t", K_INT},
    {"double", K_DOUBLE},     {"float", K_DOUBLE}, {"bool", K_BOOL},    {"_Bool", K_BOOL},
    {"char", K_UNSUPPORTED},  {"void", K_VOID},
};

/* Parse "const int *nums", "int nums[]", "char *s", "size_t n" (or a return
 * type before the name). with_name: the last word is the parameter's name. */
static void parse_type(const char *start, size_t len, bool with_name, c_type *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->text, sizeof(t->text), "%.*s", (int)len, start);
    char words[4][24];
    size_t nw = 0;
    int depth = 0;
    for (size_t i = 0; i < len;) {
        if (start[i] == '*') {
            depth++;
            i++;
            continue;
        }
        if (start[i] == '[') { /* T p[] and T p[N] are pointers as parameters */
            depth++;
            while (i < len && start[i] != ']')
                i++;
            i++;
            continue;
        }
        if (!is_ident_char(start[i])) {
            i++;
            continue;
        }
        size_t w = 0;
        while (i + w < len && is_ident_char(start[i + w]))
            w++;
        static const char *const skipped[] = {"const",    "static",   "inline",   "extern",
                                              "register", "restrict", "volatile", "signed"};
        bool skip = false;
        for (size_t k = 0; k < sizeof(skipped) / sizeof(skipped[0]); k++)
            skip |= w == strlen(skipped[k]) && strncmp(start + i, skipped[k], w) == 0;
        if (!skip && nw < 4 && w < sizeof(words[0]))
            snprintf(words[nw++], sizeof(words[0]), "%.*s", (int)w, start + i);
        else if (!skip)
            return; /* unsupported */
        i += w;
    }
    if (with_name && nw > 1)
        nw--;
    char base[48] = "";
    for (size_t k = 0; k < nw; k++)
        snprintf(base + strlen(base), sizeof(base) - strlen(base), "%s%s", k ? " " : "", words[k]);
    snprintf(t->base, sizeof(t->base), "%s", base);
    c_kind kind = K_UNSUPPORTED;
    for (size_t k = 0; k < sizeof(scalar_types) / sizeof(scalar_types[0]); k++)
        if (strcmp(scalar_types[k].words, base) == 0)
            kind = scalar_types[k].kind;
    bool is_char = strcmp(base, "char") == 0;
    if (depth == 0 && kind != K_UNSUPPORTED) {
        t->kind = kind;
    } else if (depth == 1 && is_char) {
        t->kind = K_STRING;
        snprintf(t->base, sizeof(t->base), "char *");
    } else if (depth == 1 && kind != K_UNSUPPORTED && kind != K_VOID) {
        t->kind = kind;
        t->array = true;
    } else if (depth == 2 && is_char) {
        t->kind = K_STRING;
        t->array = true;
        snprintf(t->base, sizeof(t->base), "char *");
    }
}

/* Start of the declaration that contains p: after the last ; } { or preprocessor line. */
static const char *declaration_start(const char *src, const char *p)
{
    const char *s = p;
    while (s > src && s[-1] != ';' && s[-1] != '}' && s[-1] != '{' && s[-1] != ')') {
        if (s[-1] == '\n' && *s == '#')
            break;
        s--;
    }
    while (*s == '#' || isspace((unsigned char)*s)) {
        if (*s == '#')
            while (*s && *s != '\n')
                s++;
        else
            s++;
    }
    return s;
}

/* Find `ret name(params)` in the code. false when there is none. */
static bool find_signature(const char *src, const char *name, const char **ret, size_t *ret_len,
                           const char **params, size_t *params_len)
{
    size_t n = strlen(name);
    for (const char *p = strstr(src, name); p; p = strstr(p + 1, name)) {
        if ((p > src && is_ident_char(p[-1])) || is_ident_char(p[n]))
            continue;
        const char *q = p + n;
        while (isspace((unsigned char)*q))
            q++;
        if (*q != '(')
            continue;
        const char *start = declaration_start(src, p);
        bool has_type = false;
        for (const char *c = start; c < p; c++) {
            if (*c == '=' || *c == '(' || *c == ',' || strncmp(c, "return", 6) == 0) {
                has_type = false;
                break;
            }
            has_type |= is_ident_char(*c);
        }
        const char *close = strchr(q, ')');
        if (!has_type || !close)
            continue;
        *ret = start;
        *ret_len = (size_t)(p - start);
        *params = q + 1;
        *params_len = (size_t)(close - q - 1);
        return true;
    }
    return false;
}

/* Split the parameter list; mark each array's length parameter. */
static bool parse_params(const char *s, size_t len, c_signature *sig, size_t *bad)
{
    sig->n = 0;
    size_t i = 0;
    while (i < len && isspace((unsigned char)s[i]))
        i++;
    if (i == len || (len - i >= 4 && strncmp(s + i, "void", 4) == 0 &&
                     strspn(s + i + 4, " \t\n") == len - i - 4))
        return true;
    for (size_t from = 0; from <= len && sig->n < MAX_PARAMS;) {
        size_t to = from;
        while (to < len && s[to] != ',')
            to++;
        parse_type(s + from, to - from, true, &sig->params[sig->n++]);
        from = to + 1;
        if (to >= len)
            break;
    }
    for (size_t k = 0; k < sig->n; k++) {
        c_type *t = &sig->params[k];
        if (t->kind == K_UNSUPPORTED || t->kind == K_VOID) {
            *bad = k;
            return false;
        }
        if (t->array) {
            if (k + 1 >= sig->n || sig->params[k + 1].kind != K_INT || sig->params[k + 1].array) {
                *bad = k;
                return false;
            }
            sig->params[++k].length = true;
        }
    }
    return true;
}

static const char *json_getter(c_kind kind)
{
    switch (kind) {
    case K_INT:
        return "rbx_int";
    case K_DOUBLE:
        return "rbx_double";
    case K_BOOL:
        return "rbx_bool";
    default:
        return "rbx_string";
    }
}

static const char c_prelude[] =
    "#include <json-c/json.h>\n"
    "#include <stdbool.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#define main rbx_user_main\n"
    "#include \"solution.c\"\n"
    "#undef main\n"
    "\n"
    "static void rbx_fail(const char *what, size_t i) {\n"
    "    fprintf(stderr, \"argument %zu: %s\\n\", i + 1, what);\n"
    "    exit(1);\n"
    "}\n"
    "static long long rbx_int(json_object *v, size_t i) {\n"
    "    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))\n"
    "        rbx_fail(\"expected an integer\", i);\n"
    "    return json_object_get_int64(v);\n"
    "}\n"
    "static double rbx_double(json_object *v, size_t i) {\n"
    "    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))\n"
    "        rbx_fail(\"expected a number\", i);\n"
    "    return json_object_get_double(v);\n"
    "}\n"
    "static bool rbx_bool(json_object *v, size_t i) {\n"
    "    if (!json_object_is_type(v, json_type_boolean)) rbx_fail(\"expected true or false\", i);\n"
    "    return json_object_get_boolean(v);\n"
    "}\n"
    "static char *rbx_string(json_object *v, size_t i) {\n"
    "    if (json_object_is_type(v, json_type_null)) return NULL;\n"
    "    if (!json_object_is_type(v, json_type_string)) rbx_fail(\"expected a string\", i);\n"
    "    return strdup(json_object_get_string(v));\n"
    "}\n"
    "static json_object *rbx_list(json_object *v, size_t i) {\n"
    "    if (!json_object_is_type(v, json_type_array)) rbx_fail(\"expected a list\", i);\n"
    "    return v;\n"
    "}\n"
    "static char *rbx_read_all(void) {\n"
    "    size_t len = 0, cap = 4096;\n"
    "    char *buf = malloc(cap);\n"
    "    for (size_t n; buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0;) {\n"
    "        len += n;\n"
    "        if (cap - len < 2) buf = realloc(buf, cap *= 2);\n"
    "    }\n"
    "    if (buf) buf[len] = '\\0';\n"
    "    return buf;\n"
    "}\n"
    "\n"
    "int main(void) {\n"
    "    char *text = rbx_read_all();\n"
    "    json_object *args = text ? json_tokener_parse(text) : NULL;\n"
    "    if (!json_object_is_type(args, json_type_array)) {\n"
    "        fprintf(stderr, \"the arguments are not a JSON list\\n\");\n"
    "        return 1;\n"
    "    }\n"
    "    size_t n = json_object_array_length(args), k = 0;\n";

/* Declare and fill one parameter (and an array's length after it). */
static void write_param(FILE *f, const c_signature *sig, size_t i)
{
    const c_type *t = &sig->params[i];
    const char *get = json_getter(t->kind);
    if (t->length) {
        fprintf(f,
                "    %s a%zu = explicit_lengths ? (%s)rbx_int(json_object_array_get_idx(args, "
                "k), k) : (%s)len%zu;\n    if (explicit_lengths) k++;\n",
                t->base, i, t->base, t->base, i - 1);
    } else if (t->array) {
        fprintf(f,
                "    json_object *l%zu = rbx_list(json_object_array_get_idx(args, k), k);\n"
                "    size_t len%zu = json_object_array_length(l%zu);\n"
                "    %s *a%zu = calloc(len%zu + 1, sizeof(%s));\n"
                "    for (size_t x = 0; x < len%zu; x++)\n"
                "        a%zu[x] = (%s)%s(json_object_array_get_idx(l%zu, x), k);\n"
                "    k++;\n",
                i, i, i, t->base, i, i, t->base, i, i, t->base, get, i);
    } else {
        fprintf(f, "    %s a%zu = (%s)%s(json_object_array_get_idx(args, k), k);\n    k++;\n",
                t->base, i, t->base, get);
    }
}

static void write_call(FILE *f, const c_signature *sig, const char *name)
{
    size_t arrays = 0;
    for (size_t i = 0; i < sig->n; i++)
        arrays += sig->params[i].array;
    fprintf(f,
            "    bool explicit_lengths = n == %zu && %zu > 0;\n"
            "    if (n != %zu && !explicit_lengths) {\n"
            "        fprintf(stderr, \"%s takes %zu argument(s), the test case gives %%zu\\n\", "
            "n);\n"
            "        return 1;\n"
            "    }\n",
            sig->n, arrays, sig->n - arrays, name, sig->n - arrays);
    for (size_t i = 0; i < sig->n; i++)
        write_param(f, sig, i);
    fputs("    (void)k;\n", f);
    if (sig->ret.kind == K_VOID)
        fprintf(f, "    %s(", name);
    else
        fprintf(f, "    %s r = %s(", sig->ret.base, name);
    for (size_t i = 0; i < sig->n; i++)
        fprintf(f, "%sa%zu", i ? ", " : "", i);
    fputs(");\n    fflush(stdout);\n    json_object *value = ", f);
    switch (sig->ret.kind) {
    case K_INT:
        fputs("json_object_new_int64((int64_t)r);\n", f);
        break;
    case K_DOUBLE:
        fputs("json_object_new_double(r);\n", f);
        break;
    case K_BOOL:
        fputs("json_object_new_boolean(r);\n", f);
        break;
    case K_STRING:
        fputs("r ? json_object_new_string(r) : NULL;\n", f);
        break;
    default:
        fputs("NULL;\n", f);
    }
    fputs("    json_object *doc = json_object_new_object();\n"
          "    json_object_object_add(doc, \"value\", value);\n"
          "    FILE *out = fopen(\"" RBX_GRADING_RESULT_FILE "\", \"w\");\n"
          "    if (!out || fprintf(out, \"%s\\n\", json_object_to_json_string_ext(doc, "
          "JSON_C_TO_STRING_PLAIN)) < 0 || fclose(out) != 0) {\n"
          "        perror(\"cannot write the result\");\n"
          "        return 1;\n"
          "    }\n"
          "    return 0;\n"
          "}\n",
          f);
}

/* The signature, or a compile_error message in the plan. */
static bool read_signature(const rbx_harness_input *in, rbx_harness_plan *plan, c_signature *sig)
{
    const char *ret, *params;
    size_t ret_len, params_len, bad = 0;
    const char *name = in->function_name;
    if (!find_signature(in->code, name, &ret, &ret_len, &params, &params_len)) {
        rbx_plan_uncallable(plan, "function '%s' is not defined in the submission", name);
        return false;
    }
    parse_type(ret, ret_len, false, &sig->ret);
    if (sig->ret.kind == K_UNSUPPORTED || sig->ret.array) {
        rbx_plan_uncallable(plan,
                            "function '%s' cannot be called by the C harness: its return type "
                            "'%s' is not void, an integer type, double, float, bool or char *",
                            name, sig->ret.text);
        return false;
    }
    if (!parse_params(params, params_len, sig, &bad)) {
        rbx_plan_uncallable(plan,
                            "function '%s' cannot be called by the C harness: parameter %zu ('%s') "
                            "is not an integer type, double, float, bool, char * or an array "
                            "T *p followed by its integer length",
                            name, bad + 1, sig->params[bad].text);
        return false;
    }
    return true;
}

int rbx_harness_c(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    if (rbx_harness_write(in->workdir_fd, "solution.c", in->code, strlen(in->code), err) < 0)
        return -1;
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    c_signature sig;
    if (in->tests) {
        rbx_ctests_key_prelude(f);
        fputs("#define main rbx_user_main\n#include \"solution.c\"\n#undef main\n", f);
        rbx_ctests_write(f, in->tests, "tests.c");
    } else if (read_signature(in, plan, &sig)) {
        fputs(c_prelude, f);
        write_call(f, &sig, in->function_name);
    }
    if (rbx_text_write_file(in->workdir_fd, "rbx_harness.c", f, &buf, &len, err) < 0)
        return -1;
    /* The definition's compile and run (its flags, its output name), with
     * the harness as the source; json-c for the function calls' harness. */
    const char *const *sources = rbx_plan_sources(plan, in, "rbx_harness.c", ".c", NULL);
    if (!sources)
        return rbx_error_errno(err, "out of memory");
    rbx_plan_files files = {.file = "rbx_harness.c", .sources = sources};
    const char **gcc = rbx_plan_compile_step(plan);
    if (rbx_plan_command(plan, gcc, in->definition->compile, in, &files, err) < 0 ||
        rbx_plan_command(plan, plan->run, in->definition->run, in, &files, err) < 0)
        return -1;
    rbx_plan_argv(gcc, in->tests ? "-lsodium" : "-ljson-c", NULL);
    plan->results = in->tests ? RBX_RESULTS_TEST_LINES : RBX_RESULTS_VALUE_FILE;
    return 0;
}
