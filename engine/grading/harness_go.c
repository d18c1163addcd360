/* Go: the harness is one more file of package main whose init() runs before
 * the code's main: it decodes each JSON argument into the parameter's type
 * with encoding/json, calls the function through reflect and encodes what it
 * returns (several results become a list). Test code is a _test.go file of
 * Test* functions in the testing style, compiled with `go test -c` with a
 * generated runner test that runs each as a subtest and signs its verdict
 * (harness.h); `go tool test2json` gives each test's output for its message. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static const char go_call[] =
    "package main\n"
    "\n"
    "import (\n"
    "\t\"encoding/json\"\n"
    "\t\"fmt\"\n"
    "\t\"io\"\n"
    "\t\"os\"\n"
    "\t\"path/filepath\"\n"
    "\t\"reflect\"\n"
    ")\n"
    "\n"
    "func init() { rbxHarnessRun(%s) }\n"
    "\n"
    "func rbxHarnessFail(format string, a ...interface{}) {\n"
    "\tfmt.Fprintf(os.Stderr, format+\"\\n\", a...)\n"
    "\tos.Exit(1)\n"
    "}\n"
    "\n"
    "func rbxHarnessRun(target interface{}) {\n"
    "\tresult, _ := filepath.Abs(\"" RBX_GRADING_RESULT_FILE "\")\n"
    "\tdata, err := io.ReadAll(os.Stdin)\n"
    "\tif err != nil {\n"
    "\t\trbxHarnessFail(\"cannot read the arguments: %%v\", err)\n"
    "\t}\n"
    "\tvar raw []json.RawMessage\n"
    "\tif err := json.Unmarshal(data, &raw); err != nil {\n"
    "\t\trbxHarnessFail(\"the arguments are not a JSON list: %%v\", err)\n"
    "\t}\n"
    "\tfn := reflect.ValueOf(target)\n"
    "\tt := fn.Type()\n"
    "\tif t.NumIn() != len(raw) {\n"
    "\t\trbxHarnessFail(\"%s takes %%d argument(s), the test case gives %%d\", t.NumIn(), "
    "len(raw))\n"
    "\t}\n"
    "\tin := make([]reflect.Value, len(raw))\n"
    "\tfor i := range raw {\n"
    "\t\tp := reflect.New(t.In(i))\n"
    "\t\tif err := json.Unmarshal(raw[i], p.Interface()); err != nil {\n"
    "\t\t\trbxHarnessFail(\"argument %%d: %%v\", i+1, err)\n"
    "\t\t}\n"
    "\t\tin[i] = p.Elem()\n"
    "\t}\n"
    "\tout := fn.Call(in)\n"
    "\tvar value interface{}\n"
    "\tif len(out) == 1 {\n"
    "\t\tvalue = out[0].Interface()\n"
    "\t} else if len(out) > 1 {\n"
    "\t\tvalues := make([]interface{}, len(out))\n"
    "\t\tfor i, v := range out {\n"
    "\t\t\tvalues[i] = v.Interface()\n"
    "\t\t}\n"
    "\t\tvalue = values\n"
    "\t}\n"
    "\tb, err := json.Marshal(map[string]interface{}{\"value\": value})\n"
    "\tif err != nil {\n"
    "\t\trbxHarnessFail(\"the value cannot be written as JSON: %%v\", err)\n"
    "\t}\n"
    "\tif err := os.WriteFile(result, append(b, '\\n'), 0o644); err != nil {\n"
    "\t\trbxHarnessFail(\"cannot write the result: %%v\", err)\n"
    "\t}\n"
    "\tos.Exit(0)\n"
    "}\n";

static int write_function_harness(const rbx_harness_input *in, rbx_error *err)
{
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fprintf(f, go_call, in->function_name, in->function_name);
    if (!rbx_source_declares(in->code, "func", "main"))
        fputs("\nfunc main() {}\n", f);
    return rbx_text_write_file(in->workdir_fd, "zz_rbx_harness.go", f, &buf, &len, err);
}

/* The key's package: imported by the runner as "./rbxkey" (GOPATH mode, as
 * languages/go.json runs go: GO111MODULE=off; module mode has no relative
 * imports), so its init runs before any
 * init of package main (the code's). It reads the key file the driver put
 * in the work dir (test2json gives the test binary no stdin) and removes
 * it, and hands the key once, to the runner's one test alone. */
static const char go_key_package[] =
    "package rbxkey\n"
    "\n"
    "import (\n"
    "\t\"os\"\n"
    "\t\"runtime\"\n"
    "\t\"strings\"\n"
    ")\n"
    "\n"
    "var key []byte\n"
    "\n"
    "func init() {\n"
    "\tdata, _ := os.ReadFile(\"" RBX_GRADING_KEY_FILE "\")\n"
    "\tos.Remove(\"" RBX_GRADING_KEY_FILE "\")\n"
    "\tkey = []byte(strings.TrimSpace(string(data)))\n"
    "}\n"
    "\n"
    "// Take gives the key to its first caller if that is the runner.\n"
    "func Take() []byte {\n"
    "\tpc, _, _, ok := runtime.Caller(1)\n"
    "\tf := runtime.FuncForPC(pc)\n"
    "\tif !ok || f == nil || f.Name() != \"command-line-arguments." RBX_GRADING_GO_RUNNER
    "\" || len(key) == 0 {\n"
    "\t\treturn nil\n"
    "\t}\n"
    "\tk := key\n"
    "\tkey = nil\n"
    "\treturn k\n"
    "}\n";

/* The runner: each test is a subtest, its verdict a signed line. */
static const char go_runner_head[] =
    "package main\n"
    "\n"
    "import (\n"
    "\t\"crypto/hmac\"\n"
    "\t\"crypto/sha256\"\n"
    "\t\"encoding/hex\"\n"
    "\t\"encoding/json\"\n"
    "\t\"os\"\n"
    "\t\"testing\"\n"
    "\n"
    "\t\"./rbxkey\"\n"
    ")\n"
    "\n"
    "func " RBX_GRADING_GO_RUNNER "(t *testing.T) {\n"
    "\tkey := rbxkey.Take()\n"
    "\tout, err := os.OpenFile(\"" RBX_GRADING_RESULT_FILE
    "\", os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)\n"
    "\tif key == nil || err != nil {\n"
    "\t\tt.Fatal(\"the test runner cannot report\")\n"
    "\t}\n"
    "\tseq := 0\n"
    "\tsign := func(v map[string]interface{}) {\n"
    "\t\tv[\"seq\"] = seq\n"
    "\t\tseq++\n"
    "\t\ttext, _ := json.Marshal(v)\n"
    "\t\tm := hmac.New(sha256.New, key)\n"
    "\t\tm.Write(text)\n"
    "\t\tout.Write([]byte(hex.EncodeToString(m.Sum(nil)) + \" \" + string(text) + \"\\n\"))\n"
    "\t}\n"
    "\tfor _, test := range []struct {\n"
    "\t\tname string\n"
    "\t\tfn   func(*testing.T)\n"
    "\t}{\n";

static const char go_runner_tail[] =
    "\t} {\n"
    "\t\tpassed := t.Run(test.name, test.fn)\n"
    "\t\tsign(map[string]interface{}{\"name\": test.name, \"passed\": passed})\n"
    "\t}\n"
    "\tsign(map[string]interface{}{\"done\": true})\n"
    "}\n";

/* At p (a line start): "func TestX(name *testing.T)"? Then TestX's length
 * (*name: where it starts), else 0. */
static size_t go_test_at(const char *p, const char **name)
{
    if (strncmp(p, "func", 4) != 0 || (p[4] != ' ' && p[4] != '\t'))
        return 0;
    p += 4;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncmp(p, "Test", 4) != 0 || islower((unsigned char)p[4]))
        return 0;
    size_t n = 4;
    while (isalnum((unsigned char)p[n]) || p[n] == '_')
        n++;
    const char *q = p + n;
    while (*q == ' ' || *q == '\t')
        q++;
    if (*q++ != '(')
        return 0;
    while (isalnum((unsigned char)*q) || *q == '_' || *q == ' ' || *q == '\t')
        q++;
    *name = p;
    return strncmp(q, "*testing.T)", 11) == 0 ? n : 0;
}

/* The runner's list: every top-level Test function of the tests, in order. */
static void write_test_list(FILE *f, const char *tests)
{
    for (const char *line = tests; line; line = strchr(line + 1, '\n')) {
        const char *name;
        size_t n = go_test_at(*line == '\n' ? line + 1 : line, &name);
        bool runner =
            n == strlen(RBX_GRADING_GO_RUNNER) && strncmp(name, RBX_GRADING_GO_RUNNER, n) == 0;
        if (n > 0 && !runner)
            fprintf(f, "\t\t{\"%.*s\", %.*s},\n", (int)n, name, (int)n, name);
    }
}

static int write_runner(const rbx_harness_input *in, rbx_error *err)
{
    if (mkdirat(in->workdir_fd, "rbxkey", 0755) < 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create rbxkey in the work dir");
    if (rbx_harness_write(in->workdir_fd, "rbxkey/key.go", go_key_package, strlen(go_key_package),
                          err) < 0)
        return -1;
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fputs(go_runner_head, f);
    write_test_list(f, in->tests);
    fputs(go_runner_tail, f);
    return rbx_text_write_file(in->workdir_fd, "zz_rbx_runner_test.go", f, &buf, &len, err);
}

/* The tests as a _test.go file: a bare list of functions gets the package
 * clause and the testing import it needs. */
static int write_tests(const rbx_harness_input *in, rbx_error *err)
{
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    if (!rbx_source_mentions(in->tests, "package")) {
        fputs("package main\n\n", f);
        if (!rbx_source_mentions(in->tests, "import"))
            fputs("import \"testing\"\n\n", f);
    }
    fputs(in->tests, f);
    if (rbx_text_write_file(in->workdir_fd, "solution_test.go", f, &buf, &len, err) < 0)
        return -1;
    return write_runner(in, err);
}

int rbx_harness_go(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    if (rbx_harness_write(in->workdir_fd, "solution.go", in->code, strlen(in->code), err) < 0)
        return -1;
    if ((in->tests ? write_tests(in, err) : write_function_harness(in, err)) < 0)
        return -1;
    const char **build = rbx_plan_compile_step(plan);
    if (in->tests) {
        /* `go test -c`: the definition has no test build of its own, so
         * this step is the harness's; the files by name, not the directory:
         * the engine's own copy of the code (main.go) is there too and would
         * be declared twice. */
        rbx_plan_argv(build, "go", "test", "-c", "-o", "rbx_harness", "solution.go", NULL);
        rbx_plan_argv_extra(build, in, ".go");
        rbx_plan_argv(build, "solution_test.go", "zz_rbx_runner_test.go", NULL);
        rbx_plan_argv(plan->run, "go", "tool", "test2json", "./rbx_harness", "-test.v", "-test.run",
                      "^" RBX_GRADING_GO_RUNNER "$", NULL);
        plan->results = RBX_RESULTS_GO_TEST2JSON;
        plan->key_file = true;
        return 0;
    }
    if (!rbx_source_mentions(in->code, in->function_name))
        rbx_plan_uncallable(plan, "function '%s' is not defined in the submission",
                            in->function_name);
    /* The definition's build and run, over the code's files and the harness's
     * (by name: the engine's main.go is in the dir too). */
    const char *const *sources =
        rbx_plan_sources(plan, in, "solution.go", ".go", "zz_rbx_harness.go");
    if (!sources)
        return rbx_error_errno(err, "out of memory");
    rbx_plan_files files = {.file = "solution.go", .sources = sources};
    if (rbx_plan_command(plan, build, in->definition->compile, in, &files, err) < 0 ||
        rbx_plan_command(plan, plan->run, in->definition->run, in, &files, err) < 0)
        return -1;
    plan->results = RBX_RESULTS_VALUE_FILE;
    return 0;
}
