/* Java: the code keeps its public class's file name; a generated class finds
 * the method by reflection in class Solution or in the code's other classes
 * (the public one first), converts each JSON argument to the parameter's
 * generic type with Gson (Debian's libgoogle-gson-java) and writes the return
 * value with Gson. Test code: every no-argument method whose name starts with
 * "test" in the test classes is one test, run with assertions enabled. */
#include "engine/grading/grading.h"
#include "engine/grading/harness.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define GSON_JAR "/usr/share/java/gson.jar"
#define MAX_CLASSES 32

#define STR_(x) #x
#define STR(x) STR_(x)

/* The same for every request: the function's name and the classes to look
 * in come as arguments, so the runners are compiled once, with the prebuilt
 * parts (engine/prebuilt.h), or with the code when those are not built. */
#define JAVA_PRELUDE                                                                               \
    "import com.google.gson.*;\n"                                                                  \
    "import java.lang.reflect.*;\n"                                                                \
    "import java.nio.charset.StandardCharsets;\n"                                                  \
    "import java.nio.file.*;\n"                                                                    \
    "import java.util.*;\n"                                                                        \
    "\n"

/* argv: the function's name, then the classes to look in, in order. */
const char rbx_grading_java_harness[] = JAVA_PRELUDE
    "public class RbxHarness {\n"
    "  static String NAME;\n"
    "  static String[] CLASSES;\n"
    "  public static void main(String[] argv) throws Exception {\n"
    "    NAME = argv[0];\n"
    "    CLASSES = Arrays.copyOfRange(argv, 1, argv.length);\n"
    "    Path result = Paths.get(\"" RBX_GRADING_RESULT_FILE "\").toAbsolutePath();\n"
    "    String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);\n"
    "    JsonArray args = JsonParser.parseString(text).getAsJsonArray();\n"
    "    Method m = null;\n"
    "    Class<?> owner = null;\n"
    "    for (String cn : CLASSES) {\n"
    "      Class<?> c;\n"
    "      try { c = Class.forName(cn); } catch (Throwable e) { continue; }\n"
    "      for (Method mm : c.getDeclaredMethods()) {\n"
    "        if (!mm.getName().equals(NAME)) continue;\n"
    "        if (m == null || mm.getParameterCount() == args.size()) { m = mm; owner = c; }\n"
    "      }\n"
    "      if (m != null) break;\n"
    "    }\n"
    "    if (m == null) {\n"
    "      System.err.println(\"function '\" + NAME + \"' is not defined in the submission (a "
    "method of class Solution or of the public class)\");\n"
    "      System.exit(" STR(
        RBX_GRADING_EXIT_UNCALLABLE) ");\n"
                                     "    }\n"
                                     "    Type[] types = m.getGenericParameterTypes();\n"
                                     "    if (types.length != args.size()) {\n"
                                     "      System.err.println(NAME + \" takes \" + types.length + "
                                     "\" argument(s), the test case "
                                     "gives \" + args.size());\n"
                                     "      System.exit(1);\n"
                                     "    }\n"
                                     "    Gson gson = new "
                                     "GsonBuilder().serializeNulls()."
                                     "serializeSpecialFloatingPointValues()"
                                     ".create();\n"
                                     "    Object[] values = new Object[types.length];\n"
                                     "    for (int i = 0; i < types.length; i++) values[i] = "
                                     "gson.fromJson(args.get(i), "
                                     "types[i]);\n"
                                     "    m.setAccessible(true);\n"
                                     "    Object target = null;\n"
                                     "    if (!Modifier.isStatic(m.getModifiers())) {\n"
                                     "      Constructor<?> k = owner.getDeclaredConstructor();\n"
                                     "      k.setAccessible(true);\n"
                                     "      target = k.newInstance();\n"
                                     "    }\n"
                                     "    Object value;\n"
                                     "    try {\n"
                                     "      value = m.invoke(target, values);\n"
                                     "    } catch (InvocationTargetException e) {\n"
                                     "      System.out.flush();\n"
                                     "      e.getCause().printStackTrace();\n"
                                     "      System.exit(1);\n"
                                     "      return;\n"
                                     "    }\n"
                                     "    System.out.flush();\n"
                                     "    String json = m.getReturnType() == void.class ? \"null\" "
                                     ": gson.toJson(value);\n"
                                     "    Files.write(result, (\"{\\\"value\\\":\" + json + "
                                     "\"}\\n\").getBytes("
                                     "StandardCharsets.UTF_8));\n"
                                     "    System.exit(0);\n"
                                     "  }\n"
                                     "}\n";

/* The test runner takes the key from stdin, and closes it, before any class
 * of the code or the tests is loaded (Class.forName, below); the key is then
 * only in a local Mac that is passed along, never in a field the code could
 * reach by reflection. The runner names every type it uses by a single-type
 * import, so a class of the submission called Files, Mac or System cannot
 * stand in for them (on-demand and java.lang imports lose to the package's
 * own classes; single-type imports do not) when the runner is compiled with
 * the code (no prebuilt set). argv: the test classes, in order. */
const char rbx_grading_java_tests[] =
    "import com.google.gson.JsonObject;\n"
    "import java.lang.reflect.Constructor;\n"
    "import java.lang.reflect.InvocationTargetException;\n"
    "import java.lang.reflect.Method;\n"
    "import java.lang.reflect.Modifier;\n"
    "import java.nio.charset.StandardCharsets;\n"
    "import java.nio.file.Files;\n"
    "import java.nio.file.Path;\n"
    "import java.nio.file.Paths;\n"
    "import java.nio.file.StandardOpenOption;\n"
    "import java.util.Arrays;\n"
    "import java.util.Comparator;\n"
    "import javax.crypto.Mac;\n"
    "import javax.crypto.spec.SecretKeySpec;\n"
    "import java.lang.AssertionError;\n"
    "import java.lang.Class;\n"
    "import java.lang.Exception;\n"
    "import java.lang.Object;\n"
    "import java.lang.ReflectiveOperationException;\n"
    "import java.lang.String;\n"
    "import java.lang.StringBuilder;\n"
    "import java.lang.System;\n"
    "import java.lang.Throwable;\n"
    "\n"
    "public class RbxTestRunner {\n"
    "  private static int seq = 0;\n"
    "  private static void sign(Mac mac, Path result, JsonObject o) throws Exception {\n"
    "    o.addProperty(\"seq\", seq++);\n"
    "    byte[] text = o.toString().getBytes(StandardCharsets.UTF_8);\n"
    "    StringBuilder line = new StringBuilder();\n"
    "    for (byte b : mac.doFinal(text)) line.append(String.format(\"%02x\", b & 0xff));\n"
    "    line.append(' ').append(new String(text, StandardCharsets.UTF_8)).append('\\n');\n"
    "    Files.write(result, line.toString().getBytes(StandardCharsets.UTF_8), "
    "StandardOpenOption.CREATE, StandardOpenOption.APPEND);\n"
    "  }\n"
    "  private static void report(Mac mac, Path result, String name, Throwable e) throws "
    "Exception {\n"
    "    JsonObject o = new JsonObject();\n"
    "    o.addProperty(\"name\", name);\n"
    "    o.addProperty(\"passed\", e == null);\n"
    "    String msg = e == null ? null : e instanceof AssertionError ? (e.getMessage() == null ? "
    "\"assertion failed\" : e.getMessage()) : e.toString();\n"
    "    o.addProperty(\"message\", msg);\n"
    "    sign(mac, result, o);\n"
    "  }\n"
    "  private static Mac takeKey() throws Exception {\n"
    "    byte[] key = new byte[64];\n"
    "    int n = 0;\n"
    "    for (int got; n < key.length && (got = System.in.read(key, n, key.length - n)) > 0;) "
    "n += got;\n"
    "    System.in.close();\n"
    "    Mac mac = Mac.getInstance(\"HmacSHA256\");\n"
    "    mac.init(new SecretKeySpec(Arrays.copyOf(key, n), \"HmacSHA256\"));\n"
    "    Arrays.fill(key, (byte)0);\n"
    "    return mac;\n"
    "  }\n"
    "  public static void main(String[] argv) throws Exception {\n"
    "    Mac mac = takeKey();\n"
    "    String[] classes = argv;\n"
    "    Path result = Paths.get(\"" RBX_GRADING_RESULT_FILE "\").toAbsolutePath();\n"
    "    Files.write(result, new byte[0]);\n"
    "    for (String cn : classes) {\n"
    "      Class<?> c = Class.forName(cn);\n"
    "      Method[] ms = c.getDeclaredMethods();\n"
    "      Arrays.sort(ms, Comparator.comparing(Method::getName));\n"
    "      for (Method m : ms) {\n"
    "        if (!m.getName().startsWith(\"test\") || m.getParameterCount() != 0) continue;\n"
    "        String name = c.getSimpleName() + \".\" + m.getName();\n"
    "        try {\n"
    "          m.setAccessible(true);\n"
    "          Object target = null;\n"
    "          if (!Modifier.isStatic(m.getModifiers())) {\n"
    "            Constructor<?> k = c.getDeclaredConstructor();\n"
    "            k.setAccessible(true);\n"
    "            target = k.newInstance();\n"
    "          }\n"
    "          m.invoke(target);\n"
    "          report(mac, result, name, null);\n"
    "        } catch (InvocationTargetException e) {\n"
    "          report(mac, result, name, e.getCause());\n"
    "        } catch (ReflectiveOperationException e) {\n"
    "          report(mac, result, name, e);\n"
    "        }\n"
    "        System.out.flush();\n"
    "      }\n"
    "    }\n"
    "    JsonObject done = new JsonObject();\n"
    "    done.addProperty(\"done\", true);\n"
    "    sign(mac, result, done);\n"
    "    System.exit(0);\n"
    "  }\n"
    "}\n";

typedef struct class_list {
    char names[MAX_CLASSES][128];
    size_t n;
    int public_index; /* -1 when no public class */
} class_list;

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The top-level-looking `class Name` declarations of a Java source, in order. */
static void find_classes(const char *src, class_list *list)
{
    list->n = 0;
    list->public_index = -1;
    for (const char *p = strstr(src, "class"); p && list->n < MAX_CLASSES;
         p = strstr(p + 1, "class")) {
        if ((p > src && is_ident_char(p[-1])) || !isspace((unsigned char)p[5]))
            continue;
        const char *q = p + 5;
        while (isspace((unsigned char)*q))
            q++;
        size_t n = 0;
        while (is_ident_char(q[n]) && n < sizeof(list->names[0]) - 1)
            n++;
        if (n == 0)
            continue;
        memcpy(list->names[list->n], q, n);
        list->names[list->n][n] = '\0';
        /* "public class X" or "public final class X" */
        const char *line = p;
        while (line > src && line[-1] != '\n')
            line--;
        const char *pub = strstr(line, "public");
        if (list->public_index < 0 && pub && pub < p)
            list->public_index = (int)list->n;
        list->n++;
    }
}

/* One class name as the runner's argument (the plan keeps a copy: the
 * list is the generator's own). */
static void add_class_arg(rbx_harness_plan *plan, const char *name)
{
    rbx_plan_argv(plan->run, rbx_plan_keep(plan, strdup(name)), NULL);
}

/* The classes to look in as the runner's arguments: Solution first (when
 * solution_first), then the public class, then the others. */
static void add_class_args(rbx_harness_plan *plan, const class_list *list, bool solution_first)
{
    if (solution_first)
        add_class_arg(plan, "Solution");
    if (list->public_index >= 0)
        add_class_arg(plan, list->names[list->public_index]);
    for (size_t i = 0; i < list->n; i++) {
        if ((int)i == list->public_index || (solution_first && !strcmp(list->names[i], "Solution")))
            continue;
        add_class_arg(plan, list->names[i]);
    }
}

/* Write source under its public class's file name (else fallback.java); the name is kept. */
static const char *write_source(const rbx_harness_input *in, rbx_harness_plan *plan,
                                const char *source, const class_list *list, const char *fallback,
                                rbx_error *err)
{
    char *name;
    const char *base = list->public_index >= 0 ? list->names[list->public_index] : fallback;
    const char *kept = asprintf(&name, "%s.java", base) < 0 ? NULL : rbx_plan_keep(plan, name);
    if (!kept) {
        rbx_error_internal(err, "cannot name the Java source");
        return NULL;
    }
    if (rbx_harness_write(in->workdir_fd, kept, source, strlen(source), err) < 0)
        return NULL;
    return kept;
}

int rbx_harness_java(const rbx_harness_input *in, rbx_harness_plan *plan, rbx_error *err)
{
    class_list code_classes, test_classes;
    find_classes(in->code, &code_classes);
    const char *code_file = write_source(in, plan, in->code, &code_classes, "Solution", err);
    if (!code_file)
        return -1;
    const char *tests_file = NULL;
    if (in->tests) {
        find_classes(in->tests, &test_classes);
        tests_file = write_source(in, plan, in->tests, &test_classes, "RbxTests", err);
        if (!tests_file)
            return -1;
    }
    const char *runner = in->tests ? "RbxTestRunner" : "RbxHarness";
    const char *runner_file = in->tests ? "RbxTestRunner.java" : "RbxHarness.java";
    /* The runner's classes are in the prebuilt set when it is built; with
     * the code's, compiled from their source, when it is not (yet). */
    bool prebuilt = in->definition->prebuilt;
    if (!prebuilt) {
        const char *text = in->tests ? rbx_grading_java_tests : rbx_grading_java_harness;
        if (rbx_harness_write(in->workdir_fd, runner_file, text, strlen(text), err) < 0)
            return -1;
    }
    if (in->function_name && !rbx_source_mentions(in->code, in->function_name))
        rbx_plan_uncallable(plan, "function '%s' is not defined in the submission",
                            in->function_name);
    /* The definition's javac and java (their JVM flags and archives), with
     * the code's classes; its own: Gson (and the runner's dir) on the class
     * path, assertions on for test code, and the archive that holds Gson's
     * classes (a later -cp or -XX:SharedArchiveFile than the definition's
     * wins). */
    const char *const *sources =
        rbx_plan_sources(plan, in, code_file, ".java", prebuilt ? tests_file : runner_file);
    if (!sources)
        return rbx_error_errno(err, "out of memory");
    static const char *const run_options[] = {"-ea", "-XX:SharedArchiveFile={prebuilt}/harness.jsa",
                                              "-cp", GSON_JAR ":.", NULL};
    static const char *const prebuilt_options[] = {"-ea",
                                                   "-XX:SharedArchiveFile={prebuilt}/harness.jsa",
                                                   "-cp", GSON_JAR ":{prebuilt}:.", NULL};
    rbx_plan_files files = {.file = runner_file,
                            .main_class = runner,
                            .sources = sources,
                            .options = prebuilt ? prebuilt_options : run_options};
    const char **javac = rbx_plan_compile_step(plan);
    if (rbx_plan_command(plan, javac, in->definition->compile, in, &files, err) < 0 ||
        rbx_plan_command(plan, plan->run, in->definition->run, in, &files, err) < 0)
        return -1;
    if (tests_file && !prebuilt)
        rbx_plan_argv(javac, tests_file, NULL);
    rbx_plan_argv(javac, "-cp", GSON_JAR, NULL);
    if (in->function_name)
        rbx_plan_argv(plan->run, in->function_name, NULL);
    add_class_args(plan, in->tests ? &test_classes : &code_classes, !in->tests);
    plan->results = in->tests ? RBX_RESULTS_TEST_LINES : RBX_RESULTS_VALUE_FILE;
    return 0;
}
