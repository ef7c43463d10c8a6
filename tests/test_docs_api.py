"""The documentation stays true: docs/api.md lists exactly the operations and code-list values of the live OpenAPI
schema, and no tracked file points at documents outside the repository.

docs/api.md names each operation as a code span `METHOD /api/v1/path/` with the schema's own path (parameters in
braces, e.g. `GET /api/v1/villages/{code}/`). Operations listed under "## v1 additions (in progress)" are planned:
they must not exist in the schema yet (compared with parameter names ignored, since a planned path's names are not
settled), and once one lands it has to move into its resource's section.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

ROOT = Path(__file__).resolve().parent.parent
API_DOC = ROOT / "docs" / "api.md"
IN_PROGRESS_HEADING = "## v1 additions (in progress)"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
OPERATION_SPAN = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`\s]*)`")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCED_BLOCK = re.compile(r"^```.*?^```[^\n]*$", re.MULTILINE | re.DOTALL)
PATH_PARAMETER = re.compile(r"\{[^}/]*\}")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# Built from parts so that this file does not contain what it forbids.
SHARED_FOLDER = "/".join(["..", "shared", ""])


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def doc() -> tuple[str, str]:
    """(everything but the in-progress section, the in-progress section), fenced code blocks left out."""
    text = FENCED_BLOCK.sub("", API_DOC.read_text(encoding="utf-8"))
    before, heading, after = text.partition(IN_PROGRESS_HEADING)
    assert heading, f"docs/api.md has no section {IN_PROGRESS_HEADING!r}: keep it (it may be empty)"
    in_progress, next_heading, rest = after.partition("\n## ")
    return before + next_heading + rest, in_progress


def schema_operations(schema: dict) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in METHODS
    }


def documented_operations(text: str) -> set[str]:
    return {f"{method} {path}" for method, path in OPERATION_SPAN.findall(text)}


def loosely(operation: str) -> str:
    """`GET /api/v1/classes/{id}/enrollments/{pk}/` → `GET /api/v1/classes/{}/enrollments/{}/`."""
    return PATH_PARAMETER.sub("{}", operation)


def bullet_list(items: set[str]) -> str:
    return "\n".join(f"  `{item}`" for item in sorted(items))


def test_every_schema_operation_is_documented(schema, doc):
    main, _ = doc
    missing = schema_operations(schema) - documented_operations(main)
    assert not missing, (
        "docs/api.md does not document these operations of the schema. Add each, as written here, in a code span "
        "in its resource's section under 'Endpoints', with its fields, filters and who may call it:\n"
        + bullet_list(missing)
    )


def test_doc_lists_no_operation_the_schema_lacks(schema, doc):
    main, _ = doc
    extra = documented_operations(main) - schema_operations(schema)
    assert not extra, (
        "docs/api.md lists operations the API does not have (check the path parameter names against /api/schema/). "
        f"Remove them, or move them to {IN_PROGRESS_HEADING!r} if they are planned:\n" + bullet_list(extra)
    )


def test_in_progress_section_lists_only_unbuilt_operations(schema, doc):
    _, in_progress = doc
    built = {loosely(op): op for op in schema_operations(schema)}
    landed = {built[loosely(op)] for op in documented_operations(in_progress) if loosely(op) in built}
    assert not landed, (
        f"These operations now exist in the schema but docs/api.md still lists them under {IN_PROGRESS_HEADING!r}. "
        "Remove them from that section and document them in their resource's section (as written here):\n"
        + bullet_list(landed)
    )


def enums(node: object, where: str) -> Iterator[tuple[str, str]]:
    """(value, where it is used) for every enumeration in the schema, components and inline parameters alike."""
    if isinstance(node, dict):
        for value in node.get("enum") or []:
            if isinstance(value, str) and value:
                yield value, where
        for child in node.values():
            yield from enums(child, where)
    elif isinstance(node, list):
        for child in node:
            yield from enums(child, where)


def schema_enum_values(schema: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, component in schema["components"]["schemas"].items():
        for value, where in enums(component, name):
            found.setdefault(value, where)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for value, where in enums(operation, f"{method.upper()} {path}"):
                found.setdefault(value, where)
    return found


def test_every_enum_value_is_documented(schema, doc):
    main, _ = doc
    spans = set(CODE_SPAN.findall(main))
    missing = {value: where for value, where in schema_enum_values(schema).items() if value not in spans}
    assert not missing, (
        "docs/api.md lacks these code-list values of the schema. Add each as a code span with its Chinese label to "
        "the 'Enumerations' table:\n" + "\n".join(f"  `{v}` (in {w})" for v, w in sorted(missing.items()))
    )


def tracked_files(*patterns: str) -> list[Path]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = subprocess.run(
        ["git", "ls-files", "-z", "--", *patterns], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.skip(f"not a git checkout: {result.stderr.strip()}")
    return [ROOT / name for name in result.stdout.split("\0") if name]


def test_no_tracked_file_references_the_shared_folder():
    offenders = [
        f"  {path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in tracked_files("*.md", "*.py", "*.html")
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
        if SHARED_FOLDER in line
    ]
    assert not offenders, (
        f"These lines point at {SHARED_FOLDER}, which is not part of the repository. Point them at docs/api.md "
        "(the API contract) or docs/domain.md (the domain rules) instead:\n" + "\n".join(offenders)
    )


def test_markdown_links_point_at_files_in_the_repository():
    tracked = set(tracked_files())
    broken = []
    for path in tracked_files("*.md"):
        for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL (http:, mailto:) or an anchor in the same page
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if resolved not in tracked and not resolved.is_dir():
                broken.append(f"  {path.relative_to(ROOT)}: ({target})")
    assert not broken, "These links point at files that are not in the repository; fix or remove them:\n" + "\n".join(
        broken
    )
