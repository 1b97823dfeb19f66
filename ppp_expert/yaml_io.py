"""Safe, bounded reading of YAML and JSON files with one-line errors."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from ppp_expert.errors import PPPExpertError, echoed

#: Case and knowledge-base files are small; anything larger is refused before parsing.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Longer integers are refused with their position (Python itself refuses 4,300 digits and more,
#: and no answer, weight or id needs a thousand).
MAX_NUMBER_DIGITS = 1000
_MERGE_TAG = "tag:yaml.org,2002:merge"


# The C parser (libyaml) when available: same safe constructors, several times faster.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """A safe loader that refuses duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    written: dict[Any, str] = {}  # each key as the file spells it
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            raise yaml.constructor.ConstructorError(
                None, None, "merge keys (<<) are not supported; write the keys out", key_node.start_mark)
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    key_node.start_mark)
        spelled = str(key_node.value)
        if key in mapping:
            first = written[key]
            problem = (f"duplicate key {echoed(key)}" if first == spelled else
                       f"keys {echoed(first)} and {echoed(spelled)} are read as equal values "
                       f"({_why_keys_are_equal(key, first, spelled)}); quote them to make them text")
            raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        written[key] = spelled
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


def _why_keys_are_equal(key: Any, first: str, second: str) -> str:
    """Why two differently written keys collide: 1, 1.0 and true are one key to Python."""
    if key == 1:
        return "1, 1.0 and true are one key"
    if key == 0:
        return "0, 0.0 and false are one key"
    return f"{first} and {second} are the same number"


def _construct_int(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    digits = len(text.lstrip("+-"))
    if digits > MAX_NUMBER_DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {digits:,} digits; expected at most {MAX_NUMBER_DIGITS:,}", node.start_mark)
    return int(text)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

# YAML 1.1 reads yes/no/on/off as booleans, but they are answer values here ("exit_plan: yes"),
# and 1:30 or 0x10 as numbers (90, 16). Follow the YAML 1.2 core schema instead: only
# true/false are booleans, and numbers are plain decimal (with an optional exponent).
_REPLACED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"),
)


class _JSONValueError(ValueError):
    """Valid JSON syntax that a case file must not use: a repeated key, NaN or Infinity."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Refuse duplicate keys in JSON too, as the YAML loader does, instead of keeping the last one."""
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise _JSONValueError(f"duplicate key {echoed(key)}")
        mapping[key] = value
    return mapping


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise _JSONValueError(f"a number of {digits:,} digits; expected at most {MAX_NUMBER_DIGITS:,}")
    return int(text)


def _no_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (Python's reader accepts them)."""
    raise _JSONValueError(f"{name} is not a JSON value; expected a finite number")


def read_bytes(path: Path, error: type[PPPExpertError]) -> bytes:
    """Read a file's bytes, refusing directories, non-regular files and huge files."""
    name = str(path)
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise error("no such file", path=name) from None
    except OSError as exc:  # a folder that cannot be searched, a symlink loop, a name too long
        raise error(f"cannot read file: {exc.strerror or exc}", path=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise error("is a directory; expected a YAML or JSON file", path=name)
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
        raise error("is not a regular file; expected a YAML or JSON file", path=name)
    size = info.st_size
    if size > MAX_FILE_BYTES:
        raise error(f"file is {size:,} bytes; expected at most {MAX_FILE_BYTES:,}", path=name)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"file is over {MAX_FILE_BYTES:,} bytes; expected at most {MAX_FILE_BYTES:,}", path=name)
    return raw


_UTF16_32_BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16",
                  b"\xfe\xff": "UTF-16"}


def decode(raw: bytes, name: str, error: type[PPPExpertError]) -> str:
    """UTF-8 text (a byte-order mark is allowed), or a one-line error naming the bad byte.

    UTF-16 and UTF-32 text (with or without a byte-order mark) and NUL bytes are named as such:
    a YAML reader would only say "unacceptable character", with no position.
    """
    for bom, encoding in _UTF16_32_BOMS.items():
        if raw.startswith(bom):
            raise error(f"is {encoding} text (byte-order mark); expected UTF-8 (save the file as UTF-8)", path=name)
    nul = raw.find(b"\x00")
    if nul >= 0:
        wide = len(raw) >= 4 and (raw[1::2].count(0) > len(raw) // 4 or raw[0::2].count(0) > len(raw) // 4)
        hint = " (UTF-16 text?); expected UTF-8 (save the file as UTF-8)" if wide else "; expected a UTF-8 text file"
        raise error(f"contains a NUL byte at offset {nul}{hint}", path=name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (bad byte at offset {exc.start}); expected a UTF-8 YAML or JSON file",
                    path=name) from None


def read_text(path: Path, error: type[PPPExpertError]) -> str:
    """Read a bounded UTF-8 text file."""
    return decode(read_bytes(path, error), str(path), error)


def parse_text(text: str, name: str, error: type[PPPExpertError], as_json: bool = False) -> Any:
    """Parse YAML (a superset of JSON) or strict JSON, with the line of a syntax error."""
    if not text.strip():
        raise error("file is empty; expected a mapping", path=name)
    if as_json:
        try:
            return json.loads(text, object_pairs_hook=_unique_object, parse_constant=_no_constant,
                              parse_int=_bounded_int)
        except _JSONValueError as exc:
            raise error(f"malformed JSON: {exc}", path=name) from None
        except json.JSONDecodeError as exc:
            raise error(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", path=name) from None
        except RecursionError:
            raise error("JSON nested too deeply; expected a small case file", path=name) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (it has no line/column)
        shown = ascii(chr(exc.character)) if isinstance(exc.character, int) else repr(exc.character)
        raise error(f"malformed YAML: the character {shown} at offset {exc.position} is not allowed in YAML; "
                    "expected printable text", path=name) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise error(f"malformed YAML{where}: {exc.problem or exc.context}", path=name) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise error(f"malformed YAML: {type(exc).__name__}", path=name) from None


def check_size(data: Any, max_values: int, name: str, error: type[PPPExpertError], expected: str) -> None:
    """Refuse alias bombs: count the values as if aliases were expanded, stopping at the bound.

    A YAML alias shares one object, so a few lines can stand for billions of values; anything
    that walks the data (validation, a cache, JSON output) would then run for ever.
    """
    count = 0
    stack = [data]
    while stack:
        item = stack.pop()
        count += 1
        if count > max_values:
            raise error(f"more than {max_values:,} values (nested aliases?); expected {expected}", path=name)
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def plain_scalar(text: str) -> Any:
    """What ``text`` means as a plain YAML value in a case file: ``10`` a number, ``true`` a
    boolean, ``high`` or ``1_0`` or `` high`` text. Answers typed on the command line
    (``whatif --set``) go through this, so they are read exactly as a case file's answers.
    Raises ValueError for a number too long to read."""
    loader = _UniqueKeyLoader("")
    try:
        tag = loader.resolve(yaml.ScalarNode, text, (True, False))
        if tag == "tag:yaml.org,2002:str" or text != text.strip():
            return text
        return loader.construct_object(yaml.ScalarNode(tag, text))
    except yaml.MarkedYAMLError as exc:
        raise ValueError(exc.problem) from None
    finally:
        loader.dispose()


def read_yaml(path: Path, error: type[PPPExpertError]) -> Any:
    """Read and parse a YAML or JSON file (by suffix)."""
    text = read_text(path, error)
    return parse_text(text, str(path), error, as_json=path.suffix.lower() == ".json")
