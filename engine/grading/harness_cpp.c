/* C++: the code is included into a generated translation unit (its main set
 * aside as rbx_user_main) whose templates deduce the parameter and return
 * types from the function's own type, a free function or a method of class
 * Solution, and convert with a small JSON reader and writer of its own
 * (rbx_grading_cpp_header): nlohmann/json's templates cost the harness about
 * three seconds of compile per request, even precompiled, for the few types
 * a function test passes.
 * Test code: plain assert(), each test_* function one test (harness_ctests.c),
 * or the tests' own main as the one test. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <string.h>

/* The fixed part, the same for every request: the header is precompiled
 * and the bodies compiled once (engine/prebuilt.h). */
const char rbx_grading_cpp_header[] =
    "// The C++ function harness's fixed part: a small JSON reader and writer for\n"
    "// the types function tests pass (numbers, bool, std::string, std::vector,\n"
    "// std::map<std::string, T>), instead of nlohmann/json, whose templates cost\n"
    "// the harness seconds of compile per request even precompiled. The\n"
    "// conversions are templates here; the reader's and writer's bodies are in\n"
    "// rbx_json.cpp, compiled once with the prebuilt parts.\n"
    "#ifndef RBX_JSON_H\n"
    "#define RBX_JSON_H\n"
    "#include <cmath>\n"
    "#include <cstdio>\n"
    "#include <cstdlib>\n"
    "#include <cstring>\n"
    "#include <fstream>\n"
    "#include <iostream>\n"
    "#include <iterator>\n"
    "#include <map>\n"
    "#include <sstream>\n"
    "#include <string>\n"
    "#include <tuple>\n"
    "#include <type_traits>\n"
    "#include <utility>\n"
    "#include <vector>\n"
    "\n"
    "namespace rbx {\n"
    "struct value {\n"
    "    enum kind_t { null_v, bool_v, number_v, string_v, array_v, object_v } kind = null_v;\n"
    "    bool b = false;\n"
    "    std::string text; // a number as written, or a string's bytes\n"
    "    std::vector<value> items;\n"
    "    std::vector<std::pair<std::string, value>> fields;\n"
    "};\n"
    "\n"
    "[[noreturn]] void fail(const std::string &why);\n"
    "void write_string(std::string &o, const std::string &s);\n"
    "// The shortest text that reads back as the same double; a whole number\n"
    "// keeps a \".0\" so that it reads as a float.\n"
    "void write_double(std::string &o, double x);\n"
    "// The case's arguments, from stdin: a JSON list.\n"
    "value read_arguments();\n"
    "// {\"value\": <text>}: what the harness writes to its result file.\n"
    "void write_result(const char *path, const std::string &text);\n"
    "\n"
    "template <typename T, typename = void> struct codec {\n"
    "    static constexpr bool ok = false;\n"
    "};\n"
    "\n"
    "template <> struct codec<bool> {\n"
    "    static constexpr bool ok = true;\n"
    "    static bool from(const value &v) {\n"
    "        if (v.kind != value::bool_v)\n"
    "            fail(\"expected true or false\");\n"
    "        return v.b;\n"
    "    }\n"
    "    static void to(std::string &o, bool x) { o += x ? \"true\" : \"false\"; }\n"
    "};\n"
    "\n"
    "template <typename T> struct codec<T, std::enable_if_t<std::is_arithmetic_v<T>>> {\n"
    "    static constexpr bool ok = true;\n"
    "    static T from(const value &v) {\n"
    "        if (v.kind != value::number_v)\n"
    "            fail(\"expected a number\");\n"
    "        const char *t = v.text.c_str();\n"
    "        if constexpr (std::is_integral_v<T>) {\n"
    "            if (!std::strpbrk(t, \".eE\"))\n"
    "                return std::is_signed_v<T> ? (T)std::strtoll(t, nullptr, 10)\n"
    "                                           : (T)std::strtoull(t, nullptr, 10);\n"
    "        }\n"
    "        return (T)std::strtold(t, nullptr);\n"
    "    }\n"
    "    static void to(std::string &o, T x) {\n"
    "        if constexpr (std::is_floating_point_v<T>)\n"
    "            write_double(o, (double)x);\n"
    "        else if constexpr (std::is_signed_v<T>)\n"
    "            o += std::to_string((long long)x);\n"
    "        else\n"
    "            o += std::to_string((unsigned long long)x);\n"
    "    }\n"
    "};\n"
    "\n"
    "template <> struct codec<std::string> {\n"
    "    static constexpr bool ok = true;\n"
    "    static std::string from(const value &v) {\n"
    "        if (v.kind != value::string_v)\n"
    "            fail(\"expected a string\");\n"
    "        return v.text;\n"
    "    }\n"
    "    static void to(std::string &o, const std::string &x) { write_string(o, x); }\n"
    "};\n"
    "\n"
    "template <typename T, typename A> struct codec<std::vector<T, A>> {\n"
    "    static constexpr bool ok = codec<T>::ok;\n"
    "    static std::vector<T, A> from(const value &v) {\n"
    "        if (v.kind != value::array_v)\n"
    "            fail(\"expected a list\");\n"
    "        std::vector<T, A> out;\n"
    "        for (const value &x : v.items)\n"
    "            out.push_back(codec<T>::from(x));\n"
    "        return out;\n"
    "    }\n"
    "    static void to(std::string &o, const std::vector<T, A> &x) {\n"
    "        o += '[';\n"
    "        const char *sep = \"\";\n"
    "        for (const auto &e : x) {\n"
    "            o += sep;\n"
    "            codec<T>::to(o, e);\n"
    "            sep = \",\";\n"
    "        }\n"
    "        o += ']';\n"
    "    }\n"
    "};\n"
    "\n"
    "template <typename T, typename C, typename A> struct codec<std::map<std::string, T, C, A>> {\n"
    "    static constexpr bool ok = codec<T>::ok;\n"
    "    static std::map<std::string, T, C, A> from(const value &v) {\n"
    "        if (v.kind != value::object_v)\n"
    "            fail(\"expected an object\");\n"
    "        std::map<std::string, T, C, A> out;\n"
    "        for (const auto &f : v.fields)\n"
    "            out[f.first] = codec<T>::from(f.second);\n"
    "        return out;\n"
    "    }\n"
    "    static void to(std::string &o, const std::map<std::string, T, C, A> &x) {\n"
    "        o += '{';\n"
    "        const char *sep = \"\";\n"
    "        for (const auto &e : x) {\n"
    "            o += sep;\n"
    "            write_string(o, e.first);\n"
    "            o += ':';\n"
    "            codec<T>::to(o, e.second);\n"
    "            sep = \",\";\n"
    "        }\n"
    "        o += '}';\n"
    "    }\n"
    "};\n"
    "\n"
    "template <typename T> constexpr bool ok = codec<std::decay_t<T>>::ok;\n"
    "\n"
    "} // namespace rbx\n"
    "#endif\n";

const char rbx_grading_cpp_impl[] =
    "// The bodies of rbx_json.h's reader and writer: compiled once into\n"
    "// rbx_json.o with the prebuilt parts, or into the harness when those are\n"
    "// not built (yet).\n"
    "#include \"rbx_json.h\"\n"
    "\n"
    "namespace rbx {\n"
    "void fail(const std::string &why) {\n"
    "    std::cerr << why << std::endl;\n"
    "    std::exit(1);\n"
    "}\n"
    "\n"
    "namespace {\n"
    "struct reader {\n"
    "    const std::string &s;\n"
    "    std::size_t i = 0;\n"
    "    char peek() {\n"
    "        while (i < s.size() && std::strchr(\" \\t\\r\\n\", s[i]) && s[i])\n"
    "            i++;\n"
    "        return i < s.size() ? s[i] : '\\0';\n"
    "    }\n"
    "    void expect(char c) {\n"
    "        if (peek() != c)\n"
    "            fail(std::string(\"the arguments are not valid JSON: expected '\") + c + \"'\");\n"
    "        i++;\n"
    "    }\n"
    "    void literal(const char *w) {\n"
    "        for (; *w; w++, i++)\n"
    "            if (i >= s.size() || s[i] != *w)\n"
    "                fail(\"the arguments are not valid JSON\");\n"
    "    }\n"
    "    unsigned hex4() {\n"
    "        if (i + 4 > s.size())\n"
    "            fail(\"the arguments are not valid JSON: a short \\\\u escape\");\n"
    "        unsigned v = (unsigned)std::strtoul(s.substr(i, 4).c_str(), nullptr, 16);\n"
    "        i += 4;\n"
    "        return v;\n"
    "    }\n"
    "    static void utf8(std::string &out, unsigned cp) {\n"
    "        if (cp < 0x80) {\n"
    "            out += (char)cp;\n"
    "        } else if (cp < 0x800) {\n"
    "            out += (char)(0xC0 | (cp >> 6));\n"
    "            out += (char)(0x80 | (cp & 0x3F));\n"
    "        } else if (cp < 0x10000) {\n"
    "            out += (char)(0xE0 | (cp >> 12));\n"
    "            out += (char)(0x80 | ((cp >> 6) & 0x3F));\n"
    "            out += (char)(0x80 | (cp & 0x3F));\n"
    "        } else {\n"
    "            out += (char)(0xF0 | (cp >> 18));\n"
    "            out += (char)(0x80 | ((cp >> 12) & 0x3F));\n"
    "            out += (char)(0x80 | ((cp >> 6) & 0x3F));\n"
    "            out += (char)(0x80 | (cp & 0x3F));\n"
    "        }\n"
    "    }\n"
    "    std::string str() {\n"
    "        expect('\"');\n"
    "        std::string out;\n"
    "        while (true) {\n"
    "            if (i >= s.size())\n"
    "                fail(\"the arguments are not valid JSON: an unterminated string\");\n"
    "            char c = s[i++];\n"
    "            if (c == '\"')\n"
    "                return out;\n"
    "            if (c != '\\\\') {\n"
    "                out += c;\n"
    "                continue;\n"
    "            }\n"
    "            char e = i < s.size() ? s[i++] : '\\0';\n"
    "            switch (e) {\n"
    "            case 'n': out += '\\n'; break;\n"
    "            case 't': out += '\\t'; break;\n"
    "            case 'r': out += '\\r'; break;\n"
    "            case 'b': out += '\\b'; break;\n"
    "            case 'f': out += '\\f'; break;\n"
    "            case 'u': {\n"
    "                unsigned cp = hex4();\n"
    "                if (cp >= 0xD800 && cp < 0xDC00 && s.compare(i, 2, \"\\\\u\") == 0) {\n"
    "                    i += 2;\n"
    "                    cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4() - 0xDC00);\n"
    "                }\n"
    "                utf8(out, cp);\n"
    "                break;\n"
    "            }\n"
    "            default: out += e;\n"
    "            }\n"
    "        }\n"
    "    }\n"
    "    value parse() {\n"
    "        value v;\n"
    "        char c = peek();\n"
    "        if (c == '{' || c == '[') {\n"
    "            i++;\n"
    "            v.kind = c == '{' ? value::object_v : value::array_v;\n"
    "            char end = c == '{' ? '}' : ']';\n"
    "            if (peek() == end) {\n"
    "                i++;\n"
    "                return v;\n"
    "            }\n"
    "            while (true) {\n"
    "                if (c == '{') {\n"
    "                    std::string k = str();\n"
    "                    expect(':');\n"
    "                    v.fields.emplace_back(std::move(k), parse());\n"
    "                } else {\n"
    "                    v.items.push_back(parse());\n"
    "                }\n"
    "                if (peek() == ',') {\n"
    "                    i++;\n"
    "                    continue;\n"
    "                }\n"
    "                expect(end);\n"
    "                return v;\n"
    "            }\n"
    "        }\n"
    "        if (c == '\"') {\n"
    "            v.kind = value::string_v;\n"
    "            v.text = str();\n"
    "        } else if (c == 't' || c == 'f') {\n"
    "            literal(c == 't' ? \"true\" : \"false\");\n"
    "            v.kind = value::bool_v;\n"
    "            v.b = c == 't';\n"
    "        } else if (c == 'n') {\n"
    "            literal(\"null\");\n"
    "        } else {\n"
    "            std::size_t start = i;\n"
    "            while (i < s.size() && (std::isdigit((unsigned char)s[i]) || "
    "std::strchr(\"+-.eE\", s[i])))\n"
    "                i++;\n"
    "            if (i == start)\n"
    "                fail(\"the arguments are not valid JSON\");\n"
    "            v.kind = value::number_v;\n"
    "            v.text = s.substr(start, i - start);\n"
    "        }\n"
    "        return v;\n"
    "    }\n"
    "};\n"
    "} // namespace\n"
    "\n"
    "void write_string(std::string &o, const std::string &s) {\n"
    "    o += '\"';\n"
    "    for (unsigned char c : s) {\n"
    "        if (c == '\"' || c == '\\\\') {\n"
    "            o += '\\\\';\n"
    "            o += (char)c;\n"
    "        } else if (c < 0x20) {\n"
    "            char buf[8];\n"
    "            std::snprintf(buf, sizeof(buf), \"\\\\u%04x\", c);\n"
    "            o += buf;\n"
    "        } else {\n"
    "            o += (char)c;\n"
    "        }\n"
    "    }\n"
    "    o += '\"';\n"
    "}\n"
    "\n"
    "void write_double(std::string &o, double x) {\n"
    "    if (!std::isfinite(x)) {\n"
    "        o += \"null\";\n"
    "        return;\n"
    "    }\n"
    "    char buf[40];\n"
    "    for (int p = 15; p <= 17; p++) {\n"
    "        std::snprintf(buf, sizeof(buf), \"%.*g\", p, x);\n"
    "        if (std::strtod(buf, nullptr) == x)\n"
    "            break;\n"
    "    }\n"
    "    o += buf;\n"
    "    if (!std::strpbrk(buf, \".eEn\"))\n"
    "        o += \".0\";\n"
    "}\n"
    "\n"
    "value read_arguments() {\n"
    "    std::string text;\n"
    "    char buf[65536];\n"
    "    for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), stdin)) > 0;)\n"
    "        text.append(buf, n);\n"
    "    reader r{text};\n"
    "    value args = r.parse();\n"
    "    if (args.kind != value::array_v)\n"
    "        fail(\"the arguments are not a JSON list\");\n"
    "    return args;\n"
    "}\n"
    "\n"
    "void write_result(const char *path, const std::string &text) {\n"
    "    std::cout.flush();\n"
    "    std::fflush(stdout);\n"
    "    std::FILE *f = std::fopen(path, \"w\");\n"
    "    if (!f || std::fprintf(f, \"{\\\"value\\\":%s}\\n\", text.c_str()) < 0 || std::fclose(f) "
    "!= 0)\n"
    "        fail(\"cannot write the result\");\n"
    "}\n"
    "} // namespace rbx\n";

/* The bodies go into the harness itself when the prebuilt object is not
 * there: the compile command defines RBX_JSON_LINKED only with it. */
static const char cpp_include_impl[] = "#ifndef RBX_JSON_LINKED\n"
                                       "#include \"" RBX_GRADING_CPP_IMPL "\"\n"
                                       "#endif\n";

/* The code, with its main renamed so the harness's or the tests' main runs. */
static const char cpp_include_code[] = "#define main rbx_user_main\n"
                                       "#include \"solution.cpp\"\n"
                                       "#undef main\n";

/* printf format: %1$s is the function's name, %2$s how to take its address. */
static const char cpp_call[] =
    "namespace rbx {\n"
    "template <typename R, typename... A, typename F, std::size_t... I>\n"
    "std::string invoke(F &f, const value &args, std::index_sequence<I...>) {\n"
    "    std::tuple<std::decay_t<A>...> values{codec<std::decay_t<A>>::from(args.items[I])...};\n"
    "    (void)values;\n"
    "    std::string out;\n"
    "    if constexpr (std::is_void_v<R>) {\n"
    "        f(std::get<I>(values)...);\n"
    "        out = \"null\";\n"
    "    } else {\n"
    "        codec<std::decay_t<R>>::to(out, f(std::get<I>(values)...));\n"
    "    }\n"
    "    return out;\n"
    "}\n"
    "\n"
    "template <typename R, typename... A, typename F> std::string call(F f, const value &args) {\n"
    "    static_assert((ok<A> && ...), \"rbx: function '%1$s' has a parameter type the harness "
    "cannot build from JSON (integers, floats, bool, std::string, std::vector, "
    "std::map<std::string, T>)\");\n"
    "    static_assert(std::is_void_v<R> || ok<R>, \"rbx: function '%1$s' returns a type the "
    "harness cannot write as JSON\");\n"
    "    if (args.items.size() != sizeof...(A)) {\n"
    "        std::cerr << \"%1$s takes \" << sizeof...(A) << \" argument(s), the test case gives "
    "\" << args.items.size() << std::endl;\n"
    "        std::exit(1);\n"
    "    }\n"
    "    return invoke<R, A...>(f, args, std::index_sequence_for<A...>{});\n"
    "}\n"
    "\n"
    "template <typename R, typename... A> std::string run(R (*f)(A...), const value &args) {\n"
    "    return call<R, A...>(f, args);\n"
    "}\n"
    "template <typename S, typename R, typename... A>\n"
    "std::string run(R (S::*m)(A...), const value &args) {\n"
    "    S self;\n"
    "    auto f = [&](auto &&...a) -> R { return (self.*m)(std::forward<decltype(a)>(a)...); };\n"
    "    return call<R, A...>(f, args);\n"
    "}\n"
    "template <typename S, typename R, typename... A>\n"
    "std::string run(R (S::*m)(A...) const, const value &args) {\n"
    "    S self;\n"
    "    auto f = [&](auto &&...a) -> R { return (self.*m)(std::forward<decltype(a)>(a)...); };\n"
    "    return call<R, A...>(f, args);\n"
    "}\n"
    "} // namespace rbx\n"
    "\n"
    "int main() {\n"
    "    rbx::value args = rbx::read_arguments();\n"
    "    rbx::write_result(\"" RBX_GRADING_RESULT_FILE "\", rbx::run(%2$s, args));\n"
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
                          strlen(rbx_grading_cpp_header), err) < 0 ||
        rbx_harness_write(in->workdir_fd, RBX_GRADING_CPP_IMPL, rbx_grading_cpp_impl,
                          strlen(rbx_grading_cpp_impl), err) < 0)
        return -1;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    fputs("#include <" RBX_GRADING_CPP_HEADER ">\n", f);
    fputs(cpp_include_impl, f);
    fputs(cpp_include_code, f);
    fprintf(f, cpp_call, in->function_name, target);
    return rbx_text_write_file(in->workdir_fd, "rbx_harness.cpp", f, &buf, &len, err);
}

static int write_tests(const rbx_harness_input *in, rbx_error *err)
{
    char *buf;
    size_t len;
    FILE *f = rbx_text_start(&buf, &len, err);
    if (!f)
        return -1;
    rbx_ctests_key_prelude(f);
    fputs(cpp_include_code, f);
    rbx_ctests_write(f, in->tests, "tests.cpp");
    return rbx_text_write_file(in->workdir_fd, "rbx_harness.cpp", f, &buf, &len, err);
}

int rbx_harness_cpp(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    if (rbx_harness_write(in->workdir_fd, "solution.cpp", in->code, strlen(in->code), err) < 0)
        return -1;
    if ((in->tests ? write_tests(in, err) : write_function_harness(in, err)) < 0)
        return -1;
    if (in->function_name && !rbx_source_mentions(in->code, in->function_name))
        rbx_plan_uncallable(plan, "function '%s' is not defined in the submission",
                            in->function_name);
    /* The definition's compile and run, with the harness as the source, its
     * header found in the prebuilt dir first, where its precompiled form is
     * (engine/prebuilt.h, built with the same command), in the work dir
     * else, and the reader's bodies linked from there. An element naming
     * {prebuilt} is dropped when the prebuilt dir is not there (yet). */
    const char *const *sources = rbx_plan_sources(plan, in, "rbx_harness.cpp", ".cpp", NULL);
    if (!sources)
        return rbx_error_errno(err, "out of memory");
    rbx_plan_files files = {.file = "rbx_harness.cpp", .sources = sources};
    const char **gxx = rbx_plan_compile_step(plan);
    if (rbx_plan_command(plan, gxx, in->definition->compile, in, &files, err) < 0 ||
        rbx_plan_command(plan, plan->run, in->definition->run, in, &files, err) < 0)
        return -1;
    rbx_plan_argv(gxx, "-I{prebuilt}", "-I.", NULL);
    if (!in->tests)
        rbx_plan_argv(gxx, "-DRBX_JSON_LINKED={prebuilt}", "{prebuilt}/" RBX_GRADING_CPP_OBJECT,
                      NULL);
    else
        rbx_plan_argv(gxx, "-lsodium", NULL);
    plan->results = in->tests ? RBX_RESULTS_TEST_LINES : RBX_RESULTS_VALUE_FILE;
    return 0;
}
