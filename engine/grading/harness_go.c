/* Go: the harness is one more file of package main whose init() runs before
 * the code's main: it decodes each JSON argument into the parameter's type
 * with encoding/json, calls the function through reflect and encodes what it
 * returns (several results become a list). Test code is a _test.go file of
 * Test* functions in the testing style, compiled with `go test -c` and run
 * under `go tool test2json` so that each test reports on its own. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <string.h>

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

/* The tests as a _test.go file: a bare list of functions gets the package
 * clause and the testing import it needs. */
static int write_tests(const rbx_harness_input *in, rbx_error *err)
{
    static const char go_mod[] = "module rbx\n\ngo 1.19\n";
    if (rbx_harness_write(in->workdir_fd, "go.mod", go_mod, strlen(go_mod), err) < 0)
        return -1;
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
    return rbx_text_write_file(in->workdir_fd, "solution_test.go", f, &buf, &len, err);
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
        rbx_plan_argv(build, "solution_test.go", NULL);
        rbx_plan_argv(plan->run, "go", "tool", "test2json", "./rbx_harness", "-test.v", NULL);
        plan->results = RBX_RESULTS_GO_TEST2JSON;
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
