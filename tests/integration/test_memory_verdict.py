"""One verdict for running out of memory, plain or graded: for each of the
seven languages a program that exhausts its memory is memory_limit both as a
plain run and as a graded case (the engine and grading share one verdict
function driven by each language's memory_errors). And a message that only
looks like another runtime's out-of-memory report is not one."""

import pytest

# Each allocates and touches memory until the runtime or the cgroup stops it.
EXHAUST = {
    "c": "#include <stdlib.h>\n#include <string.h>\n"
         "int main(void) {\n  for (;;) {\n    char *p = malloc(1 << 20);\n"
         "    if (!p) abort();\n    memset(p, 1, 1 << 20);\n  }\n}\n",
    "cpp": "#include <vector>\nint main() {\n  std::vector<std::vector<char>> v;\n"
           "  for (;;) v.emplace_back(1 << 20, 1);\n}\n",
    "python": "a = []\nwhile True:\n    a.append(bytearray(b'x' * (1 << 20)))\n",
    "javascript": "const a = [];\nfor (;;) a.push(new Array(1 << 16).fill(1.5));\n",
    "typescript": "const a: number[][] = [];\nfor (;;) a.push(new Array<number>(1 << 16).fill(1.5));\n",
    "java": "import java.util.*;\npublic class Main {\n  public static void main(String[] args) {\n"
            "    List<long[]> l = new ArrayList<>();\n    for (;;) l.add(new long[1 << 17]);\n  }\n}\n",
    "go": "package main\n\nvar keep [][]byte\n\nfunc main() {\n\tfor {\n\t\tb := make([]byte, 1<<20)\n"
          "\t\tfor i := range b {\n\t\t\tb[i] = 1\n\t\t}\n\t\tkeep = append(keep, b)\n\t}\n}\n",
}

LIMITS = {"memory_kb": 131072, "wall_time_ms": 20000, "cpu_time_ms": 10000}


@pytest.fixture(scope="module")
def cgroup(stack):
    r = stack.request("GET", "/health")
    kind = r.json.get("isolation", {}).get("cgroup")
    if kind in (None, "none"):
        pytest.skip("no cgroup on this host: memory is limited by rlimits only, where an "
                    "exhausted heap is a failed allocation, not a memory verdict")
    return kind


@pytest.mark.parametrize("language", sorted(EXHAUST))
def test_exhausted_memory_is_memory_limit_plain_and_graded(stack, alice, cgroup, language):
    body = {"language": language, "code": EXHAUST[language], "limits": LIMITS}
    r = stack.execute(alice, body, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "memory_limit", (language, r.json)

    graded = dict(body, test_cases=[{"stdin": "", "expected_output": "never"}])
    r = stack.execute(alice, graded, retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "memory_limit", (language, r.json)
    case = r.json["results"][0]
    assert case["status"] == "memory_limit" and case["passed"] is False, (language, case)


def test_another_runtimes_message_is_not_memory_limit(stack, alice):
    """A C program that prints Python's MemoryError and fails is a runtime
    error, plainly and graded: C's memory_errors do not list it."""
    code = ('#include <stdio.h>\nint main(void) {\n'
            '  fputs("MemoryError\\n", stderr);\n  return 1;\n}\n')
    body = {"language": "c", "code": code}
    r = stack.execute(alice, body, retry_busy=True)
    assert r.status == 200 and r.json["status"] == "runtime_error", r.json
    r = stack.execute(alice, dict(body, test_cases=[{"stdin": "", "expected_output": ""}]),
                      retry_busy=True)
    assert r.status == 200, r
    assert r.json["status"] == "runtime_error", r.json
    assert r.json["results"][0]["status"] == "runtime_error", r.json
