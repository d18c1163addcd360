/* Import lines per language. Each language gets the form its programmers
 * write: python `import math` (a whole `from x import y` or `import x as y`
 * is kept as written), java `import java.util.*;`, c/cpp `#include <vector>`
 * (a quoted "name.h" stays quoted), go `import "strings"` after the package
 * clause, javascript/typescript `const fs = require("fs");`. C and C++ end
 * the block with `#line 1`, so the compiler's line numbers still match the
 * submission; the others shift by the one line the imports take. */
#include "engine/imports.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool starts_with_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    return strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\t');
}

/* javascript: the binding's name is the module's last path segment, made an identifier. */
static void js_binding(const char *module, char *out, size_t outsz)
{
    const char *base = module;
    for (const char *p = module; *p; p++)
        if (*p == '/' || *p == ':')
            base = p + 1;
    size_t o = 0;
    if (isdigit((unsigned char)*base) && o + 1 < outsz)
        out[o++] = '_';
    for (const char *p = base; *p && o + 1 < outsz; p++)
        out[o++] = isalnum((unsigned char)*p) || *p == '$' ? *p : '_';
    out[o] = '\0';
    if (o == 0)
        snprintf(out, outsz, "_module");
}

/* Whether the code already imports module (so a second import would clash). */
static bool already_imported(const char *code, const char *module)
{
    char quoted[RBX_MAX_IMPORT_BYTES + 3];
    snprintf(quoted, sizeof(quoted), "\"%s\"", module);
    if (strstr(code, quoted))
        return true;
    snprintf(quoted, sizeof(quoted), "'%s'", module);
    return strstr(code, quoted) != NULL;
}

static void write_one(FILE *f, const char *lang, const char *m, const char *code)
{
    char name[RBX_MAX_IMPORT_BYTES + 2];
    if (strcmp(lang, "python") == 0) {
        bool whole = starts_with_word(m, "import") || starts_with_word(m, "from");
        fprintf(f, whole ? "%s; " : "import %s; ", m);
    } else if (strcmp(lang, "java") == 0) {
        const char *semi = m[strlen(m) - 1] == ';' ? "" : ";";
        fprintf(f, starts_with_word(m, "import") ? "%s%s " : "import %s%s ", m, semi);
    } else if (strcmp(lang, "c") == 0 || strcmp(lang, "cpp") == 0) {
        if (m[0] == '<' || m[0] == '"')
            fprintf(f, "#include %s\n", m);
        else
            fprintf(f, "#include <%s>\n", m);
    } else if (strcmp(lang, "go") == 0) {
        if (!already_imported(code, m))
            fprintf(f, "import \"%s\"\n", m);
    } else if (!already_imported(code, m)) { /* javascript, typescript */
        js_binding(m, name, sizeof(name));
        fprintf(f, "const %s = require(\"%s\"); ", name, m);
    }
}

static int check_item(json_object *item, size_t i, rbx_error *err)
{
    char field[32];
    snprintf(field, sizeof(field), "imports[%zu]", i);
    if (!json_object_is_type(item, json_type_string))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field, "%s must be a string", field);
    const char *s = json_object_get_string(item);
    size_t len = (size_t)json_object_get_string_len(item);
    bool ok = len > 0 && len <= RBX_MAX_IMPORT_BYTES && strlen(s) == len;
    for (size_t k = 0; ok && k < len; k++)
        ok = s[k] != '\n' && s[k] != '\r' && (s[k] != '"' || k == 0 || k == len - 1);
    if (!ok)
        return rbx_error_raise(
            err, RBX_ERR_INVALID, NULL, field,
            "%s must be one module name or import statement on one line (1 to %d "
            "characters)",
            field, RBX_MAX_IMPORT_BYTES);
    return 0;
}

/* Where the imports go: after Go's package clause line, else at the start. */
static size_t insertion_point(const char *lang, const char *code)
{
    if (strcmp(lang, "go") != 0)
        return 0;
    for (const char *p = code; p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (starts_with_word(p, "package")) {
            const char *eol = strchr(p, '\n');
            return eol ? (size_t)(eol + 1 - code) : strlen(code);
        }
    }
    return 0;
}

static int splice(const char *lang, const char *block, size_t block_len, rbx_source_file *entry,
                  rbx_error *err)
{
    size_t at = insertion_point(lang, entry->content);
    bool newline = strcmp(lang, "go") != 0 && strcmp(lang, "c") != 0 && strcmp(lang, "cpp") != 0;
    bool go_eof = at == entry->len && at > 0 && entry->content[at - 1] != '\n';
    size_t len = entry->len + block_len + 1 + go_eof;
    char *out = malloc(len + 1), *p = out;
    if (!out)
        return rbx_error_errno(err, "out of memory");
    memcpy(p, entry->content, at), p += at;
    if (go_eof)
        *p++ = '\n';
    memcpy(p, block, block_len), p += block_len;
    if (newline)
        *p++ = '\n';
    memcpy(p, entry->content + at, entry->len - at), p += entry->len - at;
    *p = '\0';
    free(entry->content);
    entry->content = out;
    entry->len = (size_t)(p - out);
    return 0;
}

int rbx_imports_apply(const char *lang_id, json_object *imports, rbx_source_file *entry,
                      rbx_error *err)
{
    if (!json_object_is_type(imports, json_type_array))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "imports",
                               "imports must be an array of module names");
    size_t n = json_object_array_length(imports);
    if (n > RBX_MAX_IMPORTS)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "imports",
                               "imports holds %zu names; at most %d are allowed", n,
                               RBX_MAX_IMPORTS);
    for (size_t i = 0; i < n; i++)
        if (check_item(json_object_array_get_idx(imports, i), i, err) < 0)
            return -1;
    if (n == 0)
        return 0;
    char *block = NULL;
    size_t block_len = 0;
    FILE *f = open_memstream(&block, &block_len);
    if (!f)
        return rbx_error_errno(err, "out of memory");
    for (size_t i = 0; i < n; i++)
        write_one(f, lang_id, json_object_get_string(json_object_array_get_idx(imports, i)),
                  entry->content);
    if (strcmp(lang_id, "c") == 0 || strcmp(lang_id, "cpp") == 0)
        fputs("#line 1\n", f);
    if (fclose(f) != 0) {
        free(block);
        return rbx_error_errno(err, "out of memory");
    }
    int rc = splice(lang_id, block, block_len, entry, err);
    free(block);
    return rc;
}
