/* Python: the code is imported as the module `solution`; the function is a
 * top-level function or a method of class Solution. Test code runs each
 * top-level assert as its own test, then every test_* function. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <string.h>

#define PY_SOLUTION "solution.py"

/* Shared by both harnesses: result file, JSON line writer, solution import. */
static const char py_prelude[] =
    "import json, os, sys, traceback\n"
    "RESULT = os.path.abspath('" RBX_GRADING_RESULT_FILE "')\n"
    "def rbx_write(obj, mode='w'):\n"
    "    with open(RESULT, mode) as f:\n"
    "        f.write(json.dumps(obj, default=lambda o: list(o) if isinstance(o, (set, frozenset, "
    "tuple)) else repr(o)) + '\\n')\n"
    "sys.path.insert(0, os.getcwd())\n";

static const char py_call[] =
    "NAME = %s\n"
    "check = sys.argv[1:] == ['--check']\n"
    "args = None if check else json.loads(sys.stdin.read())\n"
    "import solution\n"
    "fn = getattr(solution, NAME, None)\n"
    "if not callable(fn):\n"
    "    cls = getattr(solution, 'Solution', None)\n"
    "    if isinstance(cls, type) and callable(getattr(cls, NAME, None)):\n"
    "        fn = getattr(cls(), NAME)\n"
    "if not callable(fn):\n"
    "    sys.stderr.write(\"function '%%s' is not defined in the submission (a top-level "
    "function or a method of class Solution)\\n\" %% NAME)\n"
    "    sys.exit(%d)\n"
    "if check:\n"
    "    sys.exit(0)\n"
    "value = fn(*args)\n"
    "sys.stdout.flush()\n"
    "rbx_write({'value': value})\n";

static const char py_tests[] =
    "import ast\n"
    "src = open('rbx_tests.py').read()\n"
    "if sys.argv[1:] == ['--check']:\n"
    "    compile(src, 'tests.py', 'exec')\n"
    "    import solution\n"
    "    sys.exit(0)\n"
    "open(RESULT, 'w').close()\n"
    "def rbx_signer():\n"
    "    import hashlib, hmac\n"
    "    key = sys.stdin.buffer.readline().strip()\n"
    "    os.close(0)\n"
    "    seq = [0]\n"
    "    def sign(obj):\n"
    "        text = json.dumps(dict(obj, seq=seq[0]))\n"
    "        seq[0] += 1\n"
    "        mac = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()\n"
    "        with open(RESULT, 'a') as f:\n"
    "            f.write(mac + ' ' + text + '\\n')\n"
    "    return sign\n"
    "rbx_signed = rbx_signer()\n"
    "del rbx_signer\n"
    "import solution\n"
    "ns = dict(vars(solution))\n"
    "ns['__name__'] = 'tests'\n"
    "def report(name, exc):\n"
    "    if exc is None:\n"
    "        rbx_signed({'name': name, 'passed': True, 'message': None})\n"
    "        return\n"
    "    if isinstance(exc, AssertionError):\n"
    "        msg = str(exc) or 'assertion failed'\n"
    "    else:\n"
    "        msg = ''.join(traceback.format_exception_only(type(exc), exc)).strip()\n"
    "    rbx_signed({'name': name, 'passed': False, 'message': msg})\n"
    "def run(name, code):\n"
    "    try:\n"
    "        exec(code, ns)\n"
    "        report(name, None)\n"
    "    except Exception as e:\n"
    "        report(name, e)\n"
    "tree = ast.parse(src, 'tests.py')\n"
    "lines = src.splitlines()\n"
    "for stmt in tree.body:\n"
    "    code = compile(ast.Module(body=[stmt], type_ignores=[]), 'tests.py', 'exec')\n"
    "    if isinstance(stmt, ast.Assert):\n"
    "        run('line %d: %s' % (stmt.lineno, ast.get_source_segment(src, stmt)), code)\n"
    "    else:\n"
    "        try:\n"
    "            exec(code, ns)\n"
    "        except Exception as e:\n"
    "            report('line %d' % stmt.lineno, e)\n"
    "for name, fn in list(ns.items()):\n"
    "    if name.startswith('test_') and callable(fn):\n"
    "        try:\n"
    "            fn()\n"
    "            report(name, None)\n"
    "        except Exception as e:\n"
    "            report(name, e)\n"
    "    sys.stdout.flush()\n"
    "rbx_signed({'done': True})\n";

int rbx_harness_python(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fputs(py_prelude, f);
    if (in->tests) {
        fputs(py_tests, f);
    } else {
        char literal[160];
        snprintf(literal, sizeof(literal), "'%s'", in->function_name);
        fprintf(f, py_call, literal, RBX_GRADING_EXIT_UNCALLABLE);
    }
    if (rbx_text_write_file(in->workdir_fd, "rbx_harness.py", f, &buf, &len, err) < 0 ||
        rbx_harness_write(in->workdir_fd, PY_SOLUTION, in->code, strlen(in->code), err) < 0)
        return -1;
    if (in->tests &&
        rbx_harness_write(in->workdir_fd, "rbx_tests.py", in->tests, strlen(in->tests), err) < 0)
        return -1;
    if (in->function_name && !rbx_source_mentions(in->code, in->function_name))
        rbx_plan_uncallable(plan, "function '%s' is not defined in the submission",
                            in->function_name);
    /* The definition's run with the harness as the program; its check step
     * is the same run, told to load the code and stop. */
    rbx_plan_files files = {.file = "rbx_harness.py"};
    const char **check = rbx_plan_check_step(plan);
    if (rbx_plan_command(plan, check, in->definition->run, in, &files, err) < 0 ||
        rbx_plan_command(plan, plan->run, in->definition->run, in, &files, err) < 0)
        return -1;
    rbx_plan_argv(check, "--check", NULL);
    plan->results = in->tests ? RBX_RESULTS_TEST_LINES : RBX_RESULTS_VALUE_FILE;
    return 0;
}
