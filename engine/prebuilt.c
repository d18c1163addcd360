/* Prebuilt toolchain parts (see prebuilt.h): the recipes, where a built set
 * lives, and building one in a sandbox. */
#include "engine/prebuilt.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/grading/grading.h"
#include "engine/limits.h"
#include "engine/workdir.h"
#include "sandbox/host_files.h"
#include "sandbox/sandbox.h"

#define MAX_STEPS 4
#define MAX_FILES 8
#define MAX_ARGS 24
/* A set's files can be large (the C++ header's PCH is about 45 MB). */
#define MAX_PART_BYTES (512ULL * 1024 * 1024)
#define BUILD_BOX_KB (1024 * 1024)
#define BUILD_TIME_MS (300 * 1000)

typedef struct recipe_file {
    const char *name;
    const char *content;
} recipe_file;

typedef struct recipe {
    const char *language;
    recipe_file files[MAX_FILES]; /* written into the build dir */
    const char *steps[MAX_STEPS][MAX_ARGS];
    /* Last steps that are the definition's compile command over these
     * sources, then these arguments: a part used by a harness that compiles
     * with the definition's command must be built with the same flags (a
     * precompiled header is used only then). */
    struct {
        const char *sources[MAX_FILES];
        const char *args[MAX_ARGS];
    } compile[MAX_STEPS];
    const char *keep[MAX_FILES]; /* what the set is made of */
} recipe;

/* A short program touching what learners' programs use most, so its
 * classes come from the archive instead of the JDK's modules file. */
static const char java_warm[] =
    "import java.util.*;\n"
    "import java.util.stream.*;\n"
    "public class Warm {\n"
    "    public static void main(String[] args) {\n"
    "        Scanner in = new Scanner(System.in);\n"
    "        List<Integer> xs = new ArrayList<>();\n"
    "        Map<String, Integer> m = new HashMap<>();\n"
    "        StringBuilder sb = new StringBuilder();\n"
    "        for (int i = 0; i < 10; i++) { xs.add(i); m.put(\"k\" + i, i); sb.append(i); }\n"
    "        Collections.sort(xs, Comparator.reverseOrder());\n"
    "        String s = xs.stream().map(String::valueOf).collect(Collectors.joining(\",\"));\n"
    "        System.out.println(String.format(\"%s %d %s %.2f\", s, m.size(), "
    "Arrays.toString(new int[] {1, 2}), Math.sqrt(2)));\n"
    "        if (in.hasNextLine()) System.out.println(in.nextLine());\n"
    "    }\n"
    "}\n";

/* The grading harness's side: Gson reading arguments and writing a value. */
static const char java_warm_gson[] =
    "import com.google.gson.*;\n"
    "public class WarmGson {\n"
    "    public static void main(String[] args) throws Exception {\n"
    "        JsonArray a = JsonParser.parseString(\"[1, 2.5, \\\"x\\\", [true], {}]\")"
    ".getAsJsonArray();\n"
    "        Gson g = new GsonBuilder().serializeNulls().create();\n"
    "        int[] xs = g.fromJson(\"[1, 2]\", int[].class);\n"
    "        JsonObject o = new JsonObject();\n"
    "        o.add(\"value\", g.toJsonTree(xs));\n"
    "        System.out.println(g.toJson(o) + a.size());\n"
    "        Class.forName(\"WarmGson\").getDeclaredMethods();\n"
    "    }\n"
    "}\n";

#define GSON "/usr/share/java/gson.jar"
/* The JVM flags of languages/java.json and the Java harness: class-data
 * sharing needs the same garbage collector at dump and use. */
#define JAVAC "javac", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1", "-J-XX:-UsePerfData"
#define JAVA "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"

static const recipe RECIPES[] = {
    {
        .language = "java",
        .files = {{"Warm.java", java_warm},
                  {"WarmGson.java", java_warm_gson},
                  {"RbxHarness.java", rbx_grading_java_harness},
                  {"RbxTestRunner.java", rbx_grading_java_tests}},
        .steps =
            {
                {JAVAC, "-J-XX:ArchiveClassesAtExit=javac.jsa", "-encoding", "UTF-8", "-cp", GSON,
                 "-d", ".", "Warm.java", "WarmGson.java", NULL},
                {JAVA, "-XX:ArchiveClassesAtExit=java.jsa", "-cp", ".", "Warm", NULL},
                /* Gson alone on the class path, the program run from its
                 * source: an archive cannot be dumped with a directory of
                 * classes on the class path, and the harness's class path
                 * (Gson, then its dir) must start with the dump's. */
                {JAVA, "-XX:ArchiveClassesAtExit=harness.jsa", "-cp", GSON, "WarmGson.java", NULL},
            },
        /* the grading runners' classes, compiled as the harness would */
        .compile = {{{"RbxHarness.java", "RbxTestRunner.java"}, {"-cp", GSON}}},
        .keep = {"javac.jsa", "java.jsa", "harness.jsa", "RbxHarness.class", "RbxTestRunner.class"},
    },
    {
        .language = "cpp",
        .files = {{RBX_GRADING_CPP_HEADER, rbx_grading_cpp_header},
                  {RBX_GRADING_CPP_IMPL, rbx_grading_cpp_impl}},
        /* g++ makes a .h source a precompiled header; the last -o wins over
         * the definition's, and -c leaves its libraries unused */
        .compile =
            {
                {{RBX_GRADING_CPP_HEADER}, {"-c", "-o", RBX_GRADING_CPP_HEADER ".gch"}},
                {{RBX_GRADING_CPP_IMPL}, {"-c", "-o", RBX_GRADING_CPP_OBJECT}},
            },
        .keep = {RBX_GRADING_CPP_HEADER, RBX_GRADING_CPP_HEADER ".gch", RBX_GRADING_CPP_OBJECT},
    },
};

static const recipe *recipe_for(const char *language)
{
    for (size_t i = 0; i < sizeof(RECIPES) / sizeof(RECIPES[0]); i++)
        if (strcmp(RECIPES[i].language, language) == 0)
            return &RECIPES[i];
    return NULL;
}

/* The recipe's step i from the definition's compile command, or NULL (none,
 * or out of memory: then it is hashed as absent and the build fails). */
static char **definition_step(const recipe *r, size_t i, const rbx_language *lang)
{
    if (!r->compile[i].sources[0] || !lang->compile_argv)
        return NULL;
    rbx_argv_vars vars = {
        .file = r->compile[i].sources[0], .dir = "/box", .sources = r->compile[i].sources};
    rbx_error ignored;
    return rbx_argv_expand((const char *const *)lang->compile_argv, &vars, r->compile[i].args,
                           &ignored);
}

/* <language>-<16 hex of SHA-256(version, recipe, the definition's command
 * it uses)>: an upgrade, a new recipe or a changed flag is a new directory. */
static void set_name(const recipe *r, rbx_language *lang, char *out, size_t outsz)
{
    crypto_hash_sha256_state h;
    unsigned char sum[32];
    char hex[65];
    crypto_hash_sha256_init(&h);
    const char *version = rbx_language_version(lang);
    crypto_hash_sha256_update(&h, (const unsigned char *)version, strlen(version) + 1);
    for (size_t i = 0; i < MAX_FILES && r->files[i].name; i++) {
        const char *c = r->files[i].content;
        crypto_hash_sha256_update(&h, (const unsigned char *)r->files[i].name,
                                  strlen(r->files[i].name) + 1);
        crypto_hash_sha256_update(&h, (const unsigned char *)c, strlen(c) + 1);
    }
    for (size_t s = 0; s < MAX_STEPS && r->steps[s][0]; s++)
        for (size_t a = 0; r->steps[s][a]; a++)
            crypto_hash_sha256_update(&h, (const unsigned char *)r->steps[s][a],
                                      strlen(r->steps[s][a]) + 1);
    for (size_t s = 0; s < MAX_STEPS && r->compile[s].sources[0]; s++) {
        char **step = definition_step(r, s, lang);
        for (size_t a = 0; step && step[a]; a++)
            crypto_hash_sha256_update(&h, (const unsigned char *)step[a], strlen(step[a]) + 1);
        rbx_argv_free(step);
    }
    crypto_hash_sha256_final(&h, sum);
    sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
    snprintf(out, outsz, "%s-%.16s", r->language, hex);
}

static void base_dir(const rbx_config *cfg, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/prebuilt", cfg->state_dir);
}

/* The box's init mounts a set by its host path, with no more rights than a
 * box user: every directory above it must be open to others for search (a
 * state dir of mode 0700 is not; the set is then not used). */
static bool reachable_by_boxes(const char *path)
{
    char prefix[768];
    struct stat st;
    for (const char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        size_t n = (size_t)(p - path);
        if (n >= sizeof(prefix))
            return false;
        memcpy(prefix, path, n);
        prefix[n] = '\0';
        if (stat(prefix, &st) != 0 || !(st.st_mode & S_IXOTH))
            return false;
    }
    return true;
}

const char *rbx_prebuilt_dir(const rbx_config *cfg, rbx_language *lang)
{
    static char path[768];
    char base[512], name[96];
    const recipe *r = recipe_for(lang->id);
    if (!r)
        return NULL;
    base_dir(cfg, base, sizeof(base));
    set_name(r, lang, name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", base, name);
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        !reachable_by_boxes(path))
        return NULL;
    return path;
}

json_object *rbx_prebuilt_json(const rbx_config *cfg, rbx_language *const *langs, size_t n)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < n; i++)
        if (recipe_for(langs[i]->id))
            json_object_object_add(
                o, langs[i]->id, json_object_new_boolean(rbx_prebuilt_dir(cfg, langs[i]) != NULL));
    return o;
}

/* One step in a fresh box over the build dir, with the language's compile
 * limits and room for large outputs. */
static int build_step(const rbx_config *cfg, const rbx_language *lang, const rbx_workdir *wd,
                      const char *const *argv, rbx_error *err)
{
    rbx_sandbox_limits limits;
    rbx_limits_for_compile(lang, cfg, &limits);
    limits.box_size_kb = BUILD_BOX_KB;
    limits.file_size_kb = BUILD_BOX_KB;
    /* Once per toolchain version, and slow on a busy machine. */
    limits.cpu_time_ms = BUILD_TIME_MS;
    limits.wall_time_ms = BUILD_TIME_MS;
    rbx_sandbox_config box = {.argv = argv,
                              .envp = (const char *const *)lang->env,
                              .workdir = wd->path,
                              .limits = limits};
    rbx_sandbox_result res;
    memset(&res, 0, sizeof(res));
    if (rbx_sandbox_run(&box, &res, err) < 0)
        return -1;
    int rc = 0;
    if (res.status != RBX_SANDBOX_OK)
        rc = rbx_error_internal(
            err, "%s: %s %.200s %.200s", argv[0], res.message[0] ? res.message : "failed",
            res.stdout_buf ? res.stdout_buf : "", res.stderr_buf ? res.stderr_buf : "");
    rbx_sandbox_result_free(&res);
    return rc;
}

/* Copy the kept files out of the build dir (regular files only, never
 * through a link the box planted) into a new dir, then rename it into place. */
static int publish(const recipe *r, const rbx_workdir *wd, const char *base, const char *name,
                   rbx_error *err)
{
    char tmp[640], final[640];
    snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%ld", base, name, (long)getpid());
    snprintf(final, sizeof(final), "%s/%s", base, name);
    rbx_error ignored;
    int base_fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (base_fd < 0)
        return rbx_error_errno(err, "cannot open %s", base);
    rbx_host_remove_tree(base_fd, tmp + strlen(base) + 1, &ignored);
    int rc = -1, fd = -1;
    if (mkdir(tmp, 0755) != 0 ||
        (fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fchmod(fd, 0755)) {
        rbx_error_errno(err, "cannot create %s", tmp);
        goto out;
    }
    /* 0644 whatever the umask: the boxes' users read them */
    for (size_t i = 0; i < MAX_FILES && r->keep[i]; i++) {
        if (rbx_host_copy_file(wd->fd, r->keep[i], fd, r->keep[i], MAX_PART_BYTES, 0644, err) < 0)
            goto out;
        if (fchmodat(fd, r->keep[i], 0644, 0) != 0) {
            rbx_error_errno(err, "cannot make %s readable", r->keep[i]);
            goto out;
        }
    }
    if (rename(tmp, final) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
        rbx_error_errno(err, "cannot rename %s", tmp);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    rbx_host_remove_tree(base_fd, tmp + strlen(base) + 1, &ignored); /* gone when renamed */
    close(base_fd);
    return rc;
}

static int build_one(const rbx_config *cfg, const recipe *r, rbx_language *lang, const char *base,
                     rbx_error *err)
{
    char name[96];
    set_name(r, lang, name, sizeof(name));
    rbx_workdir wd;
    char work_base[512];
    rbx_workdir_base(cfg->state_dir, work_base, sizeof(work_base));
    if (rbx_workdir_create(work_base, &wd, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < MAX_FILES && r->files[i].name; i++) {
        const char *c = r->files[i].content;
        rc = rbx_workdir_write(&wd, r->files[i].name, c, strlen(c), err);
    }
    for (size_t s = 0; rc == 0 && s < MAX_STEPS && r->steps[s][0]; s++)
        rc = build_step(cfg, lang, &wd, r->steps[s], err);
    for (size_t s = 0; rc == 0 && s < MAX_STEPS && r->compile[s].sources[0]; s++) {
        char **step = definition_step(r, s, lang);
        rc = step ? build_step(cfg, lang, &wd, (const char *const *)step, err)
                  : rbx_error_internal(err, "the definition has no compile command to build with");
        rbx_argv_free(step);
    }
    if (rc == 0)
        rc = publish(r, &wd, base, name, err);
    rbx_error ignored;
    rbx_workdir_remove(&wd, &ignored);
    if (rc < 0)
        rbx_error_prefix(err, "prebuilt %s", r->language);
    return rc;
}

int rbx_prebuilt_build(const rbx_config *cfg, rbx_language *const *langs, size_t n, rbx_error *err)
{
    char base[512], lock[560];
    base_dir(cfg, base, sizeof(base));
    /* 0711: the box's init must reach a set to mount it; only the service lists them */
    if ((mkdir(base, 0711) != 0 && errno != EEXIST) || chmod(base, 0711) != 0)
        return rbx_error_errno(err, "cannot create %s", base);
    snprintf(lock, sizeof(lock), "%s/.lock", base);
    int lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0) {
        rbx_error_errno(err, "cannot lock %s", lock);
        if (lock_fd >= 0)
            close(lock_fd);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const recipe *r = recipe_for(langs[i]->id);
        rbx_error one;
        char name[96], path[640];
        if (!r || rbx_prebuilt_dir(cfg, langs[i]))
            continue; /* nothing to build, or built (by another process meanwhile) */
        set_name(r, langs[i], name, sizeof(name));
        snprintf(path, sizeof(path), "%s/%s", base, name);
        if (!reachable_by_boxes(path)) {
            rc = rbx_error_internal(err,
                                    "%s cannot be reached by the boxes (a directory above it is "
                                    "closed to others): nothing prebuilt",
                                    base);
            break;
        }
        if (build_one(cfg, r, langs[i], base, &one) < 0 && rc == 0) {
            *err = one;
            rc = -1;
        }
    }
    close(lock_fd);
    return rc;
}
