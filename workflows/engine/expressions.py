"""The restricted evaluator every diagram expression and script task runs on (条件表达式 / 脚本任务).

Diagrams are drawn by property-management staff, not programmers, so nothing they write may reach Python's
own `eval`/`exec`. This module translates the modeler's JUEL syntax (`${amount > 100 && !urgent}`) to a
Python expression, checks the syntax tree against a whitelist, and then interprets that tree itself.

Rules, in short:
- Names read process variables; `order.status` reads a dict key (never a Python attribute).
- Calls are `name(...)` only, to a few safe builtins or functions the caller registers (`now()`, `days(3)`);
  method calls (`"abc".upper()`), imports, loops, comprehensions, lambdas and `_`/dunder names are refused.
- f-strings are refused outright: a format spec can allocate without bound (`f"{x:>999999999}"`) and staff
  can join text with `+` and `str(...)`.
- `!x` keeps JUEL's precedence (`!a == b` is `(not a) == b`); the word `not` keeps Python's.
- Scripts follow value semantics: `x["k"] = v` copies `x` before changing it, so no value shared with
  another variable (or with the caller) changes behind its back, and sizes checked once stay true.
- Work is bounded: at most MAX_STEPS node visits, no list or text built over MAX_ITEMS (nested lists
  counted out, so `[[x] * 1000] * 1000` is refused too), integers up to about 4,200 digits, `**` exponents
  up to 100; builtins that could hide such work (`sum` of lists, `round(x, -10**7)`, `"%9999999d" % x`)
  are narrowed or refused.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any

MAX_STEPS = 10_000  # node visits per evaluate/execute call
MAX_ITEMS = 100_000  # items (nested, counted out) or characters in any value built here
# About 4,200 digits: Python will not turn a longer int into text (so it could not be saved as JSON), and
# comparing a 10**6-digit int with a Decimal alone takes 13 s.
MAX_INT_BITS = 14_000
MAX_EXPONENT = 100
MAX_WORK = 1_000_000  # items counted or copied per call, to keep size checks themselves cheap
MAX_DEPTH = 100  # nesting of the syntax tree; keeps the interpreter far from Python's recursion limit
MAX_SOURCE = 100_000  # characters


class ExpressionError(Exception):
    """An expression or script could not be evaluated (bad syntax, unknown variable, too much work...)."""


class UnsafeExpression(ExpressionError):
    """The static check refused the source; `reasons` says why, one readable line each."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


# --------------------------------------------------------------------------- translation (JUEL -> Python)

_TOKEN = re.compile(
    r"""
    (?P<string>[rRbBuUfF]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"
                              |'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
    |(?P<name>[^\W\d]\w*)
    |(?P<number>\.?\d[\w.]*)
    |(?P<space>\s+)
    |(?P<op>&&|\|\||!=|==|<=|>=|\*\*|//|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_WRAPPED = re.compile(r"\s*[$#]\{(.*)\}\s*", re.DOTALL)
_EL_WORDS = {
    "true": "True",
    "false": "False",
    "null": "None",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_OPEN, _CLOSE = "([{", ")]}"
# after an operand of `!`, these leave `not x` meaning the same as JUEL's `!x`, so no parentheses needed
_LOOSE = {"&&", "||", "and", "or", "if", "else", ")", "]", "}", ",", ":", None}


def translate(expression: str) -> str:
    """Turn the modeler's JUEL (`${a && !b}`, `x eq 'y'`, `empty list`) into Python; text in quotes is kept.

    Plain Python expressions come back unchanged (up to spacing), and translating twice changes nothing.
    """
    text = expression.strip()
    wrapped = _WRAPPED.fullmatch(text)
    if wrapped and "${" not in wrapped.group(1) and "#{" not in wrapped.group(1):
        text = wrapped.group(1).strip()
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
    return _translate_tokens(tokens).strip()


def _translate_tokens(tokens: list[tuple[str, str]]) -> str:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        after_dot = _previous(tokens, i) == "."
        if kind == "op" and text in ("&&", "||"):
            _emit(out, "and" if text == "&&" else "or", tokens, i + 1)
            i += 1
        elif (kind == "op" and text == "!") or (kind == "name" and text == "empty" and not after_dot):
            end = _operand_end(tokens, i + 1)
            operand = _translate_tokens(tokens[i + 1 : end]).strip()
            if text == "empty":
                _emit(out, "empty" + operand if _is_group(operand) else f"empty({operand})", tokens, end)
            elif _next(tokens, end) in _LOOSE:
                _emit(out, f"not {operand}", tokens, end)
            else:
                _emit(out, f"(not {operand})", tokens, end)
            i = end
        elif kind == "name" and text in _EL_WORDS and not after_dot:
            word = _EL_WORDS[text]
            if word[0].isalpha():  # True/False/None: the name's own boundaries are enough
                out.append(word)
            else:
                _emit(out, word, tokens, i + 1)
            i += 1
        else:
            out.append(text)
            i += 1
    return "".join(out)


def _emit(out: list[str], text: str, tokens: list[tuple[str, str]], following: int) -> None:
    """Append a replacement with a space on each side unless space or a bracket is already there."""
    if out and not out[-1][-1:].isspace() and out[-1][-1:] not in _OPEN:
        out.append(" ")
    out.append(text)
    if (
        following < len(tokens)
        and tokens[following][0] != "space"
        and tokens[following][1] not in _CLOSE + ","
    ):
        out.append(" ")


def _skip_space(tokens: list[tuple[str, str]], i: int) -> int:
    while i < len(tokens) and tokens[i][0] == "space":
        i += 1
    return i


def _previous(tokens: list[tuple[str, str]], i: int) -> str | None:
    i -= 1
    while i >= 0 and tokens[i][0] == "space":
        i -= 1
    return tokens[i][1] if i >= 0 else None


def _next(tokens: list[tuple[str, str]], i: int) -> str | None:
    i = _skip_space(tokens, i)
    return tokens[i][1] if i < len(tokens) else None


def _closing(tokens: list[tuple[str, str]], i: int) -> int:
    """Index just past the bracket that closes the one at `i` (or the end, if it is never closed)."""
    depth = 0
    for j in range(i, len(tokens)):
        kind, text = tokens[j]
        if kind == "op" and text in _OPEN:
            depth += 1
        elif kind == "op" and text in _CLOSE:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


def _operand_end(tokens: list[tuple[str, str]], i: int) -> int:
    """Index just past the operand of a JUEL unary operator: prefixes, one primary, then `.x`, `[..]`, `(..)`."""
    j = _skip_space(tokens, i)
    while j < len(tokens) and tokens[j][1] in ("!", "-", "+", "not", "empty"):
        j = _skip_space(tokens, j + 1)
    if j >= len(tokens):
        return len(tokens)
    kind, text = tokens[j]
    j = _closing(tokens, j) if kind == "op" and text in _OPEN else j + 1
    while True:
        k = _skip_space(tokens, j)
        if k < len(tokens) and tokens[k][1] == ".":
            name = _skip_space(tokens, k + 1)
            if name < len(tokens) and tokens[name][0] == "name":
                j = name + 1
                continue
        if k < len(tokens) and tokens[k][1] in "([":
            j = _closing(tokens, k)
            continue
        return j


def _is_group(text: str) -> bool:
    """True if `text` is one bracketed group, e.g. `(a)` but not `(a).b` or `(a) + (b)`."""
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
    return bool(tokens) and tokens[0][1] == "(" and _closing(tokens, 0) == len(tokens)


# --------------------------------------------------------------------------- static check (whitelist)


def _empty(value: Any) -> bool:
    """JUEL's `empty`: null, or a text/list/map with nothing in it (0 and False are not empty)."""
    return value is None or (isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) and not value)


def _sum(values: Iterable[Any], start: Any = 0) -> Any:
    """`sum` of numbers only: summing lists would concatenate them without any size check."""
    values = list(values)
    numbers = (int, float, Decimal)
    if not all(isinstance(v, numbers) for v in [*values, start]):
        raise ExpressionError("sum() adds numbers only")
    return sum(values, start)


def _round(number: Any, ndigits: int | None = None) -> Any:
    """`round` with a bounded `ndigits`: `round(5, -10**7)` alone takes seconds."""
    if ndigits is not None and abs(ndigits) > MAX_EXPONENT:
        raise ExpressionError(f"round() takes at most {MAX_EXPONENT} digits")
    return round(number, ndigits)


def _sorted(values: Iterable[Any], *, reverse: bool = False) -> list[Any]:
    return sorted(values, reverse=reverse)


def _min(*args: Any, **kwargs: Any) -> Any:
    return min(*args, **_no_key(kwargs))


def _max(*args: Any, **kwargs: Any) -> Any:
    return max(*args, **_no_key(kwargs))


def _no_key(kwargs: dict[str, Any]) -> dict[str, Any]:
    if set(kwargs) - {"default"}:
        raise ExpressionError("min()/max() accept only a default=")
    return kwargs


SAFE_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": _min,
    "max": _max,
    "abs": abs,
    "round": _round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "sum": _sum,
    "any": any,
    "all": all,
    "sorted": _sorted,
    "empty": _empty,
}

# Never callable, even if a caller registers a function by that name. The first set is refused as a plain
# name too; the second holds words staff use for fields (a repair's `type`, an `id`), harmless as data
# because a name only ever reads a process variable.
# fmt: off
DENIED_NAMES = frozenset({
    "open", "exec", "eval", "compile", "getattr", "setattr", "delattr", "hasattr", "globals", "locals",
    "vars", "dir", "super", "breakpoint", "input", "memoryview", "classmethod", "staticmethod",
    "__import__", "__builtins__",
})
DENIED_CALLS = DENIED_NAMES | {"type", "object", "id", "iter", "next", "help", "exit", "quit", "property"}
_ALLOWED = {
    "eval": (
        ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.UnaryOp,
        ast.Not, ast.USub, ast.UAdd, ast.Compare, ast.IfExp, ast.Subscript, ast.Slice, ast.Attribute,
        ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Call, ast.keyword,
        ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
        ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ),
    "exec": (ast.Module, ast.Assign, ast.AugAssign, ast.If, ast.Expr, ast.Pass, ast.Store),
}
_REFUSED = {
    (ast.Import, ast.ImportFrom): "imports are not allowed",
    (ast.For, ast.AsyncFor, ast.While): "loops are not allowed (a loop could run forever)",
    (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp): "comprehensions are not allowed",
    (ast.Lambda,): "lambda functions are not allowed",
    (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef): "defining functions or classes is not allowed",
    (ast.JoinedStr, ast.FormattedValue): "f-strings are not allowed; join text with + and str(...)",
    (ast.NamedExpr,): "the := operator is not allowed",
    (ast.Starred,): "* unpacking is not allowed",
    (ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift, ast.Invert, ast.MatMult):
        "bitwise operators are not allowed",
}
_NAMED = {
    ast.With: "with", ast.AsyncWith: "with", ast.Try: "try", ast.Raise: "raise", ast.Global: "global",
    ast.Nonlocal: "nonlocal", ast.Delete: "del", ast.Assert: "assert", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Await: "await", ast.Return: "return", ast.Break: "break",
    ast.Continue: "continue", ast.Match: "match",
}
# fmt: on


def check(source: str, *, mode: str = "eval", functions: Iterable[str] | None = None) -> list[str]:
    """Reasons to refuse `source` (modeler or Python syntax), one readable line each; empty means safe.

    `functions` names the callable functions besides SAFE_BUILTINS; when None (deploy time, before the
    runtime's functions are known) any allowed name may be called and an unknown one fails when it runs.
    """
    names = None if functions is None else frozenset(functions)
    return list(_prepare(source, mode, names)[1])


@lru_cache(maxsize=4096)
def _prepare(
    source: str, mode: str, functions: frozenset[str] | None
) -> tuple[ast.AST | None, tuple[str, ...]]:
    """Translate, parse and check once per distinct source: the same conditions run thousands of times."""
    if mode not in _ALLOWED:
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    if len(source) > MAX_SOURCE:
        return None, (f"the text is too long ({len(source)} characters, limit {MAX_SOURCE})",)
    text = translate(source)
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        return None, (f"syntax error: {exc.msg} in {text!r}",)
    except (RecursionError, MemoryError):
        return None, ("the expression is nested too deeply",)
    except ValueError as exc:  # e.g. a NUL character
        return None, (f"syntax error: {exc}",)
    reasons = tuple(dict.fromkeys(_Checker(text, mode, functions).run(tree)))
    return (None if reasons else tree), reasons


class _Checker:
    def __init__(self, text: str, mode: str, functions: frozenset[str] | None):
        self.text = text
        self.allowed = _ALLOWED["eval"] + (_ALLOWED["exec"] if mode == "exec" else ())
        self.callable = None if functions is None else frozenset(SAFE_BUILTINS) | functions
        self.reasons: list[str] = []

    def run(self, tree: ast.AST) -> list[str]:
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                self.reasons.append("the expression is nested too deeply")
                continue
            children = self.visit(node)
            stack.extend((child, depth + 1) for child in reversed(children))
        return self.reasons

    def refuse(self, message: str, node: ast.AST) -> list[ast.AST]:
        segment = ast.get_source_segment(self.text, node) if hasattr(node, "lineno") else None
        if segment:
            segment = segment if len(segment) <= 60 else segment[:57] + "..."
            message = f"{message}: {segment}"
        self.reasons.append(message)
        return []

    def visit(self, node: ast.AST) -> list[ast.AST]:
        """Check one node; return the children still to check."""
        for types, message in _REFUSED.items():
            if isinstance(node, types):
                return self.refuse(message, node)
        if type(node) in _NAMED:
            return self.refuse(f"'{_NAMED[type(node)]}' is not allowed", node)
        if not isinstance(node, self.allowed):
            return self.refuse(f"{type(node).__name__} is not allowed", node)
        if isinstance(node, ast.Name):
            self.name(node.id, node)
        elif isinstance(node, ast.Attribute):
            self.attribute(node)
        elif isinstance(node, ast.Call):
            return self.call(node)
        elif isinstance(node, ast.Constant) and not isinstance(
            node.value, (str, bytes, int, float, complex, type(None))
        ):
            return self.refuse("this constant is not allowed", node)
        elif isinstance(node, ast.Dict) and None in node.keys:
            return self.refuse("** unpacking is not allowed", node)
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not _is_place(target):
                    self.refuse("you can assign only to a variable, or an item or field of one", target)
        return list(ast.iter_child_nodes(node))

    def name(self, name: str, node: ast.AST) -> None:
        if name.startswith("_"):
            self.refuse(f"names starting with '_' are not allowed ({name})", node)
        elif name in DENIED_NAMES:
            self.refuse(f"'{name}' is not allowed", node)

    def attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.refuse(f"fields starting with '_' are not allowed (.{node.attr})", node)
        elif not isinstance(node.value, (ast.Name, ast.Attribute, ast.Subscript)):
            self.refuse("'.' reads a field of a variable only, like order.status", node)

    def call(self, node: ast.Call) -> list[ast.AST]:
        if not isinstance(node.func, ast.Name):
            self.refuse("method calls are not allowed; use functions such as len(x)", node)
            return [node.func, *node.args, *node.keywords]
        name = node.func.id
        if name.startswith("_") or name in DENIED_CALLS:
            self.refuse(f"calling '{name}' is not allowed", node)
        elif self.callable is not None and name not in self.callable:
            self.refuse(f"unknown function '{name}' (allowed: {', '.join(sorted(self.callable))})", node)
        if any(keyword.arg is None for keyword in node.keywords):
            self.refuse("** unpacking is not allowed", node)
        return [*node.args, *node.keywords]


def _is_place(target: ast.AST) -> bool:
    """A variable, or an item/field reached from one (`x`, `x["k"]`, `order.status`, `x[0]["k"]`)."""
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Slice):
            return False  # slice assignment could grow a list without any size check
        target = target.value
    return isinstance(target, ast.Name)


# --------------------------------------------------------------------------- interpreter


def evaluate(
    expression: str, variables: dict[str, Any], *, functions: dict[str, Callable] | None = None
) -> Any:
    """Value of one condition or expression over `variables`; raises ExpressionError/UnsafeExpression."""
    tree = _checked(expression, "eval", functions)
    return _Run(variables, functions).value(tree.body)


def execute(
    script: str, variables: dict[str, Any], *, functions: dict[str, Callable] | None = None
) -> dict[str, Any]:
    """Run a script task's statements; assignments go into `variables`, which is returned."""
    tree = _checked(script, "exec", functions)
    _Run(variables, functions).statements(tree.body)
    return variables


def _checked(source: str, mode: str, functions: dict[str, Callable] | None) -> ast.AST:
    if not isinstance(source, str):
        raise ExpressionError(f"expected text, got {type(source).__name__}")
    tree, reasons = _prepare(source, mode, frozenset(functions or ()))
    if reasons and reasons[0].startswith(("syntax error", "the text is too long")):
        raise ExpressionError(reasons[0])
    if reasons:
        raise UnsafeExpression(list(reasons))
    return tree


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_SEQUENCES = (str, bytes, list, tuple)
_TOO_BIG = f"the number would be too large (limit {MAX_INT_BITS} bits, about 4,200 digits)"
_CONTAINERS = (list, tuple, set, frozenset, dict)


class _Run:
    """One evaluation: the variables, the callable functions, and the step and work counters."""

    def __init__(self, variables: dict[str, Any], functions: dict[str, Callable] | None):
        self.variables = variables
        self.functions = {**SAFE_BUILTINS, **(functions or {})}
        self.steps = 0
        self.work = 0

    # statements ---------------------------------------------------------------------------------------

    def statements(self, body: list[ast.stmt]) -> None:
        for node in body:
            self.tick()
            if isinstance(node, ast.Assign):
                value = self.value(node.value)
                for target in node.targets:
                    self.store(target, value)
            elif isinstance(node, ast.AugAssign):
                self.store(node.target, self.binary(node.op, self.value(node.target), self.value(node.value)))
            elif isinstance(node, ast.If):
                self.statements(node.body if self.value(node.test) else node.orelse)
            elif isinstance(node, ast.Expr):
                self.value(node.value)

    def store(self, target: ast.expr, value: Any) -> None:
        """Assign with value semantics: containers on the way are copied, then rebound to the variable."""
        if isinstance(target, ast.Name):
            self.variables[target.id] = value
            return
        key = target.attr if isinstance(target, ast.Attribute) else self.value(target.slice)
        container = self.value(target.value)
        if isinstance(container, dict) or (isinstance(container, list) and isinstance(target, ast.Subscript)):
            self.charge(len(container))
            container = dict(container) if isinstance(container, dict) else list(container)
        else:
            raise ExpressionError(f"cannot set {key!r} in a {type(container).__name__}")
        self.wrap(lambda: operator.setitem(container, key, value))
        self.checked_size(container)
        self.store(target.value, container)

    # expressions --------------------------------------------------------------------------------------

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ExpressionError(f"too much work: more than {MAX_STEPS} steps")

    def charge(self, units: int) -> None:
        self.work += units
        if self.work > MAX_WORK:
            raise ExpressionError("too much work: the numbers or lists involved are too large")

    def wrap(self, compute: Callable[[], Any]) -> Any:
        """Run one Python-level operation, reporting any failure as an ExpressionError."""
        try:
            return compute()
        except ExpressionError:
            raise
        except RecursionError:
            raise ExpressionError("the data is nested too deeply") from None
        except Exception as exc:
            raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc

    def value(self, node: ast.expr) -> Any:
        self.tick()
        match node:
            case ast.Constant(value=value):
                return value
            case ast.Name(id=name):
                if name not in self.variables:
                    raise ExpressionError(f"unknown variable: {name}")
                return self.variables[name]
            case ast.Attribute(value=base, attr=key):
                record = self.value(base)
                if not isinstance(record, dict):
                    raise ExpressionError(
                        f"cannot read .{key} of a {type(record).__name__} (only of records)"
                    )
                if key not in record:
                    raise ExpressionError(f"unknown field: {key}")
                return record[key]
            case ast.Subscript(value=base, slice=index):
                container = self.value(base)
                key = self.value(index)
                return self.wrap(lambda: container[key])
            case ast.Slice(lower=lower, upper=upper, step=step):
                return slice(*(None if part is None else self.value(part) for part in (lower, upper, step)))
            case ast.BoolOp(op=op, values=operands):
                result = None
                for operand in operands:
                    result = self.value(operand)
                    if bool(result) is isinstance(op, ast.Or):
                        break
                return result
            case ast.UnaryOp(op=op, operand=operand):
                result = self.value(operand)
                if isinstance(op, ast.Not):
                    return not result
                return self.wrap(lambda: -result if isinstance(op, ast.USub) else +result)
            case ast.BinOp(left=left, op=op, right=right):
                return self.binary(op, self.value(left), self.value(right))
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                current = self.value(left)
                for op, comparator in zip(ops, comparators, strict=True):
                    following = self.value(comparator)
                    if not self.wrap(lambda a=current, b=following, op=op: _COMPARE[type(op)](a, b)):
                        return False
                    current = following
                return True
            case ast.IfExp(test=test, body=body, orelse=orelse):
                return self.value(body if self.value(test) else orelse)
            case ast.List(elts=items) | ast.Tuple(elts=items) | ast.Set(elts=items):
                values = [self.value(item) for item in items]
                self.checked_size(values)
                kind = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
                return self.wrap(lambda: kind(values))
            case ast.Dict(keys=keys, values=values):
                pairs = [(self.value(k), self.value(v)) for k, v in zip(keys, values, strict=True)]
                self.checked_size(pairs)
                return self.wrap(lambda: dict(pairs))
            case ast.Call(func=ast.Name(id=name), args=args, keywords=keywords):
                function = self.functions.get(name)
                if function is None or name.startswith("_") or name in DENIED_CALLS:
                    raise ExpressionError(f"unknown function: {name}")
                positional = [self.value(arg) for arg in args]
                named = {keyword.arg: self.value(keyword.value) for keyword in keywords}
                return self.wrap(lambda: function(*positional, **named))
        raise ExpressionError(f"{type(node).__name__} is not allowed")  # unreachable after check()

    # guarded arithmetic -------------------------------------------------------------------------------

    def binary(self, op: ast.operator, left: Any, right: Any) -> Any:
        """Apply `op`, first refusing results that would be too large to build."""
        if isinstance(op, ast.Mod) and isinstance(left, (str, bytes)):
            raise ExpressionError("formatting text with % is not supported; join text with +")
        if isinstance(op, ast.Add) and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            self.limit(self.size(left) + self.size(right))
        elif isinstance(op, ast.Mult) and _is_repetition(left, right):
            sequence, times = (left, right) if isinstance(left, _SEQUENCES) else (right, left)
            if times > 0 and sequence:
                self.limit(self.size(sequence) * times)
        elif isinstance(op, ast.Pow) and isinstance(right, (int, float, Decimal)):
            if right > MAX_EXPONENT:
                raise ExpressionError(f"the exponent {right} is too large (limit {MAX_EXPONENT})")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() * right > MAX_INT_BITS:
                raise ExpressionError(_TOO_BIG)
        result = self.wrap(lambda: _BINARY[type(op)](left, right))
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise ExpressionError(_TOO_BIG)
        return result

    def limit(self, size: int) -> None:
        if size > MAX_ITEMS:
            raise ExpressionError(
                f"the result would be too large: {size} items or characters (limit {MAX_ITEMS})"
            )

    def checked_size(self, value: Any) -> None:
        self.limit(self.size(value))

    def size(self, value: Any) -> int:
        """Items and characters in `value`, nested containers counted out in full (shared ones each time)."""
        total, seen, stack = 0, 0, [value]
        while stack and total <= MAX_ITEMS:
            item = stack.pop()
            seen += 1
            if isinstance(item, (str, bytes)):
                total += max(1, len(item))
            elif isinstance(item, int):
                total += 1 + item.bit_length() // 64
            elif isinstance(item, dict):
                total += not item
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, _CONTAINERS):
                total += not item
                stack.extend(item)
            else:
                total += 1
        self.charge(seen)
        return total


def _is_repetition(left: Any, right: Any) -> bool:
    return (isinstance(left, _SEQUENCES) and isinstance(right, int)) or (
        isinstance(left, int) and isinstance(right, _SEQUENCES)
    )
