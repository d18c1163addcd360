/* JavaScript and TypeScript: the code becomes solution.js (TypeScript:
 * solution.ts compiled by tsc) with one line appended that lets the harness
 * look names up in the code's own scope, so a plain top-level function or
 * class Solution works without exports. Test code is appended inside a
 * function of its own, with node's assert in scope; every test_* function is
 * one test, and the top-level statements one more when they fail. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Appended to the code: a direct eval sees the module's own declarations. */
static const char js_lookup[] = "\n;globalThis.__rbx_lookup = (n) => eval(n);\n";
static const char ts_lookup[] = "\n;(globalThis as any).__rbx_lookup = (n: string) => eval(n);\n";

static const char js_tests_open[] = "\n;globalThis.__rbx_tests = function () {\n"
                                    "const assert = require('assert');\n"
                                    "return (function () {\n";
static const char ts_tests_open[] = "\n;(globalThis as any).__rbx_tests = function () {\n"
                                    "const assert: any = require('assert');\n"
                                    "return (function () {\n";
static const char js_tests_close[] = "\n;return (n) => eval(n);\n})();\n};\n";
static const char ts_tests_close[] = "\n;return (n: string) => eval(n);\n})();\n};\n";

/* What tsc needs to know of node without @types/node. */
static const char ts_env[] = "declare var require: any;\ndeclare var module: any;\n"
                             "declare var exports: any;\ndeclare var process: any;\n"
                             "declare var __dirname: string;\ndeclare var __filename: string;\n";

static const char js_prelude[] = "'use strict';\n"
                                 "const fs = require('fs');\n"
                                 "const path = require('path');\n"
                                 "const RESULT = path.resolve('" RBX_GRADING_RESULT_FILE "');\n";

static const char js_call[] =
    "const NAME = '%s';\n"
    "const check = process.argv[2] === '--check';\n"
    "const args = check ? null : JSON.parse(fs.readFileSync(0, 'utf8'));\n"
    "const mod = require('./solution.js');\n"
    "function find(n) { try { return globalThis.__rbx_lookup(n); } catch (e) { return undefined; "
    "} }\n"
    "let self = null;\n"
    "let fn = find(NAME);\n"
    "if (typeof fn !== 'function' && mod && typeof mod[NAME] === 'function') fn = mod[NAME];\n"
    "if (typeof fn !== 'function') {\n"
    "  const S = find('Solution');\n"
    "  if (typeof S === 'function' && S.prototype && typeof S.prototype[NAME] === 'function') {\n"
    "    self = new S(); fn = self[NAME];\n"
    "  } else if (S && typeof S[NAME] === 'function') { self = S; fn = S[NAME]; }\n"
    "}\n"
    "if (typeof fn !== 'function') {\n"
    "  process.stderr.write(`function '${NAME}' is not defined in the submission (a top-level "
    "function or a method of class Solution)\\n`);\n"
    "  process.exit(%d);\n"
    "}\n"
    "if (check) process.exit(0);\n"
    "Promise.resolve().then(() => fn.apply(self, args)).then((value) => {\n"
    "  fs.writeFileSync(RESULT, JSON.stringify({ value: value === undefined ? null : value }) + "
    "'\\n');\n"
    "}, (e) => {\n"
    "  process.stderr.write((e && e.stack ? e.stack : String(e)) + '\\n');\n"
    "  process.exitCode = 1;\n"
    "});\n";

static const char js_tests_runner[] =
    "fs.writeFileSync(RESULT, '');\n"
    "const rbxSign = (() => {\n"
    "  const key = fs.readFileSync(0, 'utf8').split('\\n')[0];\n"
    "  fs.closeSync(0);\n"
    "  const crypto = require('crypto');\n"
    "  let seq = 0;\n"
    "  return (obj) => {\n"
    "    const text = JSON.stringify({ ...obj, seq: seq++ });\n"
    "    const mac = crypto.createHmac('sha256', key).update(text).digest('hex');\n"
    "    fs.appendFileSync(RESULT, mac + ' ' + text + '\\n');\n"
    "  };\n"
    "})();\n"
    "function report(name, e) {\n"
    "  const message = e ? (e.message || String(e)) : null;\n"
    "  rbxSign({ name, passed: !e, message });\n"
    "}\n"
    "(async () => {\n"
    "  let lookup;\n"
    "  try {\n"
    "    require('./solution.js');\n"
    "    lookup = globalThis.__rbx_tests();\n"
    "    if (NAMES.length === 0) report('top-level', null);\n"
    "  } catch (e) {\n"
    "    report('top-level', e);\n"
    "    rbxSign({ done: true });\n"
    "    return;\n"
    "  }\n"
    "  for (const name of NAMES) {\n"
    "    try {\n"
    "      await lookup(name)();\n"
    "      report(name, null);\n"
    "    } catch (e) {\n"
    "      report(name, e);\n"
    "    }\n"
    "  }\n"
    "  rbxSign({ done: true });\n"
    "})();\n";

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Whether the word before p (skipping spaces) is one of the given keywords. */
static bool preceded_by_keyword(const char *start, const char *p)
{
    static const char *const keywords[] = {"function", "const", "let", "var"};
    while (p > start && isspace((unsigned char)p[-1]))
        p--;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
        size_t n = strlen(keywords[i]);
        if ((size_t)(p - start) >= n && strncmp(p - n, keywords[i], n) == 0 &&
            (p - n == start || !is_ident_char(p[-(long)n - 1])))
            return true;
    }
    return false;
}

/* The test_* functions the tests declare, as a JS array literal: ["test_a", ...]. */
static void write_test_names(FILE *f, const char *tests)
{
    fputs("const NAMES = [", f);
    bool first = true;
    for (const char *p = strstr(tests, "test_"); p; p = strstr(p + 1, "test_")) {
        if (p > tests && is_ident_char(p[-1]))
            continue;
        size_t n = 0;
        while (is_ident_char(p[n]))
            n++;
        if (!preceded_by_keyword(tests, p))
            continue;
        fprintf(f, "%s'%.*s'", first ? "" : ", ", (int)n, p);
        first = false;
    }
    fputs("];\n", f);
}

static int write_solution(const rbx_harness_input *in, bool ts, rbx_error *err)
{
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fputs(in->code, f);
    if (in->tests) {
        fputs(ts ? ts_tests_open : js_tests_open, f);
        fputs(in->tests, f);
        fputs(ts ? ts_tests_close : js_tests_close, f);
    } else {
        fputs(ts ? ts_lookup : js_lookup, f);
    }
    return rbx_text_write_file(in->workdir_fd, ts ? "solution.ts" : "solution.js", f, &buf, &len,
                               err);
}

static int write_harness(const rbx_harness_input *in, rbx_error *err)
{
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fputs(js_prelude, f);
    if (in->tests) {
        write_test_names(f, in->tests);
        fputs(js_tests_runner, f);
    } else {
        fprintf(f, js_call, in->function_name, RBX_GRADING_EXIT_UNCALLABLE);
    }
    return rbx_text_write_file(in->workdir_fd, "rbx_harness.js", f, &buf, &len, err);
}

static int generate(const rbx_harness_input *in, rbx_harness_plan *plan, bool ts, rbx_error *err)
{
    if (write_solution(in, ts, err) < 0 || write_harness(in, err) < 0)
        return -1;
    if (ts) {
        if (rbx_harness_write(in->workdir_fd, "rbx_env.d.ts", ts_env, strlen(ts_env), err) < 0)
            return -1;
        /* tsc, not the definition's esbuild: a grader's type error is a
         * compile_error (esbuild drops types unchecked); the same submission
         * again is a compile cache hit. This step alone is the harness's. */
        const char **tsc = rbx_plan_compile_step(plan);
        rbx_plan_argv(tsc, "tsc", "--target", "es2020", "--module", "commonjs", "--skipLibCheck",
                      "--outDir", ".", "rbx_env.d.ts", "solution.ts", NULL);
        rbx_plan_argv_extra(tsc, in, ".ts");
    }
    /* The definition's run with the harness as the program (TypeScript's
     * runs {stem}.js, the harness's JavaScript); its check step is that run
     * told to load the code and stop; test code's is the definition's check
     * of the code. */
    rbx_plan_files harness = {.file = "rbx_harness.js"}, solution = {.file = "solution.js"};
    if (in->function_name) {
        if (!rbx_source_mentions(in->code, in->function_name))
            rbx_plan_uncallable(plan, "function '%s' is not defined in the submission",
                                in->function_name);
        const char **check = rbx_plan_check_step(plan);
        if (rbx_plan_command(plan, check, in->definition->run, in, &harness, err) < 0)
            return -1;
        rbx_plan_argv(check, "--check", NULL);
    } else if (!ts && rbx_plan_command(plan, rbx_plan_compile_step(plan), in->definition->check, in,
                                       &solution, err) < 0) {
        return -1;
    }
    if (rbx_plan_command(plan, plan->run, in->definition->run, in, &harness, err) < 0)
        return -1;
    plan->results = in->tests ? RBX_RESULTS_TEST_LINES : RBX_RESULTS_VALUE_FILE;
    return 0;
}

int rbx_harness_javascript(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    return generate(in, plan, false, err);
}

int rbx_harness_typescript(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    return generate(in, plan, true, err);
}
