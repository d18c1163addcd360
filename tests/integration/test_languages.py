"""Every language through the HTTP API: hello world, stdin, compile errors."""

import pytest

HELLO = {
    "c": '#include <stdio.h>\nint main(void) { printf("Hello, World!\\n"); return 0; }\n',
    "cpp": '#include <iostream>\nint main() { std::cout << "Hello, World!" << std::endl; }\n',
    "python": 'print("Hello, World!")\n',
    "javascript": 'console.log("Hello, World!");\n',
    "typescript": 'const greeting: string = "Hello, World!";\nconsole.log(greeting);\n',
    "java": 'public class Main {\n  public static void main(String[] a) {\n'
            '    System.out.println("Hello, World!");\n  }\n}\n',
    "go": 'package main\nimport "fmt"\nfunc main() { fmt.Println("Hello, World!") }\n',
}

ECHO = {  # prints "got <first line of stdin>"
    "c": '#include <stdio.h>\nint main(void) { char b[64]; if (!fgets(b, sizeof b, stdin)) '
         'return 1; printf("got %s", b); return 0; }\n',
    "cpp": '#include <iostream>\n#include <string>\nint main() { std::string s; '
           'std::getline(std::cin, s); std::cout << "got " << s << "\\n"; }\n',
    "python": 'print("got " + input())\n',
    "javascript": 'const s = require("fs").readFileSync(0, "utf8").split("\\n")[0];\n'
                  'console.log("got " + s);\n',
    "typescript": 'import * as fs from "fs";\n'
                  'const s: string = fs.readFileSync(0, "utf8").split("\\n")[0];\n'
                  'console.log("got " + s);\n',
    "java": 'import java.util.Scanner;\npublic class Main {\n'
            '  public static void main(String[] a) {\n'
            '    System.out.println("got " + new Scanner(System.in).nextLine());\n  }\n}\n',
    "go": 'package main\nimport ("bufio"; "fmt"; "os")\nfunc main() {\n'
          '  s := bufio.NewScanner(os.Stdin); s.Scan(); fmt.Println("got " + s.Text())\n}\n',
}

BROKEN = {  # a syntax or type error on line 2
    "c": 'int main(void) {\n  return undefined_name;\n}\n',
    "cpp": 'int main() {\n  return undefined_name;\n}\n',
    "python": 'x = 1\nprint(x +)\n',
    "javascript": 'let x = 1;\nlet = = 2;\n',
    "typescript": 'let x: number = 1;\nlet y: number = ;\n',  # runs transpile: types are /validate's
    "java": 'public class Main {\n  public static void main(String[] a) { int x = "s"; }\n}\n',
    "go": 'package main\nfunc main() { x := 1 }\n',
}

LANGUAGES = sorted(HELLO)
ALIASES = {"c++": "cpp", "py": "python", "python3": "python", "js": "javascript",
           "node": "javascript", "ts": "typescript", "golang": "go"}


def test_languages_lists_all_seven_with_versions(stack):
    r = stack.request("GET", "/languages")
    assert r.status == 200, r
    langs = {l["id"]: l for l in r.json["languages"]}
    assert sorted(langs) == LANGUAGES
    for l in langs.values():
        assert l["version"], l
        assert "default_limits" in l and "aliases" in l and "compiled" in l


def test_one_language_has_an_example(stack):
    r = stack.request("GET", "/languages/py")
    assert r.status == 200, r
    assert r.json["id"] == "python" and "Hello, World!" in r.json["example"]
    r = stack.request("GET", "/languages/cobol")
    assert r.status == 404 and r.error_code() == "not_found", r


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hello_world(stack, alice, lang):
    r = stack.execute(alice, {"language": lang, "code": HELLO[lang]}, retry_busy=True)
    assert r.status == 200, r
    body = r.json
    assert body["status"] == "success", r
    assert body["output"] == "Hello, World!\n"
    assert body["exit_code"] == 0 and body["signal"] is None
    assert body["language"]["id"] == lang and body["language"]["version"]
    for field in ("id", "error", "execution_time", "cpu_time_ms", "wall_time_ms", "memory_kb",
                  "truncated", "compile", "results", "all_passed", "error_details"):
        assert field in body, field


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reads_stdin(stack, alice, lang):
    r = stack.execute(alice, {"language": lang, "code": ECHO[lang], "stdin": "hello there\n"},
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "success", r
    assert r.json["output"] == "got hello there\n"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compile_error_is_reported(stack, alice, lang):
    r = stack.execute(alice, {"language": lang, "code": BROKEN[lang]}, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "compile_error", r
    assert r.json["error"], r
    assert r.json["compile"]["status"] != "success"


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_resolve(stack, alice, alias):
    lang = ALIASES[alias]
    r = stack.execute(alice, {"language": alias, "code": HELLO[lang], "save_history": False},
                      retry_busy=True)
    assert r.status == 200 and r.json["language"]["id"] == lang, r
