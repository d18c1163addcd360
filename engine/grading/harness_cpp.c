/* C++: the code is included into a generated translation unit (its main set
 * aside as rbx_user_main) whose templates deduce the parameter and return
 * types from the function's own type, a free function or a method of class
 * Solution, and convert with nlohmann-json (Debian's nlohmann-json3-dev).
 * Test code: plain assert(), each test_* function one test (harness_ctests.c),
 * or the tests' own main as the one test. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <string.h>

const char rbx_grading_cpp_header[] = "#include <nlohmann/json.hpp>\n"
                                      "#include <cstdio>\n"
                                      "#include <cstdlib>\n"
                                      "#include <fstream>\n"
                                      "#include <iostream>\n"
                                      "#include <iterator>\n"
                                      "#include <map>\n"
                                      "#include <string>\n"
                                      "#include <tuple>\n"
                                      "#include <type_traits>\n"
                                      "#include <utility>\n"
                                      "#include <vector>\n";

/* The code, with its main renamed so the harness's or the tests' main runs. */
static const char cpp_include_code[] = "#define main rbx_user_main\n"
                                       "#include \"solution.cpp\"\n"
                                       "#undef main\n";

/* printf format: %1$s is the function's name, %2$s how to take its address. */
static const char cpp_call[] =
    "namespace rbx {\n"
    "using json = nlohmann::json;\n"
    "template <typename T> struct supported : std::bool_constant<std::is_arithmetic_v<T>> {};\n"
    "template <> struct supported<std::string> : std::true_type {};\n"
    "template <> struct supported<json> : std::true_type {};\n"
    "template <typename T, typename A> struct supported<std::vector<T, A>> : supported<T> {};\n"
    "template <typename T, typename C, typename A>\n"
    "struct supported<std::map<std::string, T, C, A>> : supported<T> {};\n"
    "template <typename T> constexpr bool ok = supported<std::decay_t<T>>::value;\n"
    "\n"
    "template <typename R, typename... A, typename F, std::size_t... I>\n"
    "json invoke(F &f, const json &args, std::index_sequence<I...>) {\n"
    "    std::tuple<std::decay_t<A>...> values{args.at(I).template get<std::decay_t<A>>()...};\n"
    "    (void)values;\n"
    "    if constexpr (std::is_void_v<R>) {\n"
    "        f(std::get<I>(values)...);\n"
    "        return nullptr;\n"
    "    } else {\n"
    "        return json(f(std::get<I>(values)...));\n"
    "    }\n"
    "}\n"
    "\n"
    "template <typename R, typename... A, typename F> json call(F f, const json &args) {\n"
    "    static_assert((ok<A> && ...), \"rbx: function '%1$s' has a parameter type the harness "
    "cannot build from JSON (integers, floats, bool, std::string, std::vector, "
    "std::map<std::string, T>)\");\n"
    "    static_assert(std::is_void_v<R> || ok<R>, \"rbx: function '%1$s' returns a type the "
    "harness cannot write as JSON\");\n"
    "    if (!args.is_array() || args.size() != sizeof...(A)) {\n"
    "        std::cerr << \"%1$s takes \" << sizeof...(A) << \" argument(s), the test case gives "
    "\" "
    "<< args.size() << std::endl;\n"
    "        std::exit(1);\n"
    "    }\n"
    "    return invoke<R, A...>(f, args, std::index_sequence_for<A...>{});\n"
    "}\n"
    "\n"
    "template <typename R, typename... A> json run(R (*f)(A...), const json &args) {\n"
    "    return call<R, A...>(f, args);\n"
    "}\n"
    "template <typename S, typename R, typename... A> json run(R (S::*m)(A...), const json &args) "
    "{\n"
    "    S self;\n"
    "    auto f = [&](auto &&...a) -> R { return (self.*m)(std::forward<decltype(a)>(a)...); };\n"
    "    return call<R, A...>(f, args);\n"
    "}\n"
    "template <typename S, typename R, typename... A>\n"
    "json run(R (S::*m)(A...) const, const json &args) {\n"
    "    S self;\n"
    "    auto f = [&](auto &&...a) -> R { return (self.*m)(std::forward<decltype(a)>(a)...); };\n"
    "    return call<R, A...>(f, args);\n"
    "}\n"
    "} // namespace rbx\n"
    "\n"
    "int main() {\n"
    "    std::string text{std::istreambuf_iterator<char>(std::cin), "
    "std::istreambuf_iterator<char>()};\n"
    "    nlohmann::json value = rbx::run(%2$s, nlohmann::json::parse(text));\n"
    "    std::cout.flush();\n"
    "    std::fflush(stdout);\n"
    "    std::ofstream(\"" RBX_GRADING_RESULT_FILE "\") << nlohmann::json{{\"value\", value}}.dump("
    "-1, ' ', false, nlohmann::json::error_handler_t::replace) << \"\\n\";\n"
    "    return 0;\n"
    "}\n";

static int write_function_harness(const rbx_harness_input *in, rbx_error *err)
{
    char *buf, target[300];
    size_t len;
    bool method = rbx_source_declares(in->code, "class", "Solution") ||
                  rbx_source_declares(in->code, "struct", "Solution");
    snprintf(target, sizeof(target), method ? "&Solution::%s" : "&%s", in->function_name);
    /* Through a header of its own, found in the prebuilt dir first, where
     * its precompiled form is (engine/prebuilt.h); in the work dir else. */
    if (rbx_harness_write(in->workdir_fd, RBX_GRADING_CPP_HEADER, rbx_grading_cpp_header,
                          strlen(rbx_grading_cpp_header), err) < 0)
        return -1;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fputs("#include <" RBX_GRADING_CPP_HEADER ">\n", f);
    fputs(cpp_include_code, f);
    fprintf(f, cpp_call, in->function_name, target);
    return rbx_text_write_file(in->workdir_fd, "rbx_harness.cpp", f, &buf, &len, err);
}

/* *test_functions: how many test_* functions the tests define (0: their main is the test). */
static int write_tests(const rbx_harness_input *in, size_t *test_functions, rbx_error *err)
{
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fputs(cpp_include_code, f);
    *test_functions = rbx_ctests_write(f, in->tests, "tests.cpp");
    return rbx_text_write_file(in->workdir_fd, "rbx_harness.cpp", f, &buf, &len, err);
}

int rbx_harness_cpp(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    if (rbx_harness_write(in->workdir_fd, "solution.cpp", in->code, strlen(in->code), err) < 0)
        return -1;
    size_t test_functions = 0;
    if ((in->tests ? write_tests(in, &test_functions, err) : write_function_harness(in, err)) < 0)
        return -1;
    if (in->function_name && !rbx_source_mentions(in->code, in->function_name))
        rbx_plan_uncallable(plan, "function '%s' is not defined in the submission",
                            in->function_name);
    /* The definition's compile and run, with the harness as the source and
     * its header found in the prebuilt dir first, where its precompiled form
     * is (engine/prebuilt.h, built with the same command); in the work dir
     * else. {prebuilt} is dropped when the prebuilt dir is not there (yet). */
    const char *const *sources = rbx_plan_sources(plan, in, "rbx_harness.cpp", ".cpp", NULL);
    if (!sources)
        return rbx_error_errno(err, "out of memory");
    rbx_plan_files files = {.file = "rbx_harness.cpp", .sources = sources};
    const char **gxx = rbx_plan_compile_step(plan);
    if (rbx_plan_command(plan, gxx, in->definition->compile, in, &files, err) < 0 ||
        rbx_plan_command(plan, plan->run, in->definition->run, in, &files, err) < 0)
        return -1;
    rbx_plan_argv(gxx, "-I{prebuilt}", "-I.", NULL);
    plan->results = !in->tests       ? RBX_RESULTS_VALUE_FILE
                    : test_functions ? RBX_RESULTS_TEST_LINES
                                     : RBX_RESULTS_EXIT_STATUS;
    return 0;
}
