"""The restricted evaluator: JUEL translation, results, and every escape attempt refused with a reason."""

from __future__ import annotations

import builtins
from decimal import Decimal

import pytest

from workflows.engine.expressions import (
    MAX_STEPS,
    ExpressionError,
    UnsafeExpression,
    _prepare,
    check,
    evaluate,
    execute,
    translate,
)

# --------------------------------------------------------------------------- translation


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("${approved}", "approved"),
        ("#{approved}", "approved"),
        ("${amount > 100 && !urgent}", "amount > 100 and not urgent"),
        ('${status == "done"}', 'status == "done"'),
        ("${a != b}", "a != b"),
        ("${a eq 'x' and not b}", "a == 'x' and not b"),
        ("${a ne 1 || b lt 2 || c gt 3 || d le 4 || e ge 5}", "a != 1 or b < 2 or c > 3 or d <= 4 or e >= 5"),
        ("${x div 2 mod 3}", "x / 2 % 3"),
        ("${flag == true || other == false || v == null}", "flag == True or other == False or v == None"),
        ("${a&&b||c}", "a and b or c"),
        ("${empty items}", "empty(items)"),
        ("${!empty items && ok}", "not empty(items) and ok"),
        ("${!a == b}", "(not a) == b"),  # JUEL's `!` binds tighter than `==`
        ("${!(a || b)}", "not (a or b)"),
        ("${!order.closed && order.lines[0].qty gt 1}", "not order.closed and order.lines[0].qty > 1"),
        ("${order.empty && x.lt}", "order.empty and x.lt"),  # field names after a dot stay as they are
        ("approved and amount <= 1000", "approved and amount <= 1000"),
        ("not urgent or amount < 5", "not urgent or amount < 5"),
    ],
)
def test_translate(source, python):
    assert translate(source) == python
    assert translate(python) == python  # translating twice changes nothing


@pytest.mark.parametrize(
    "source",
    [
        "${note == 'a && b || !c eq true'}",
        '${note == "x && !y || null"}',
        "${note == 'it\\'s && done'}",
        "${note == '''a && b'''}",
    ],
)
def test_translate_leaves_text_in_quotes_alone(source):
    inner = source[2:-1]
    literal = inner[inner.index("=") + 3 :]
    assert translate(source) == "note == " + literal


# --------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    ("source", "variables", "expected"),
    [
        ("${approved}", {"approved": True}, True),
        ("${amount > 100 && !urgent}", {"amount": 150, "urgent": False}, True),
        ("${amount > 100 && !urgent}", {"amount": 150, "urgent": True}, False),
        ('${status == "done"}', {"status": "done"}, True),
        ("${a eq 'x' and not b}", {"a": "x", "b": False}, True),
        ("approved and amount <= 1000", {"approved": True, "amount": 1000}, True),
        ("${empty items}", {"items": []}, True),
        ("${empty items}", {"items": None}, True),
        ("${empty items}", {"items": 0}, False),
        ("${!a == b}", {"a": True, "b": False}, True),
        ("1 < x <= 3", {"x": 3}, True),
        ("1 < x <= 3", {"x": 4}, False),
        ("amount * 2 + 1", {"amount": Decimal("10.25")}, Decimal("21.50")),
        ("7 // 2, 7 % 2, 2 ** 10, -x, 7 / 2", {"x": 1}, (3, 1, 1024, -1, 3.5)),
        ("'high' if level >= 3 else 'normal'", {"level": 3}, "high"),
        ("'b' in tags and 'z' not in tags", {"tags": ["a", "b"]}, True),
        ("x is None or x.total > 5", {"x": None}, True),  # short-circuit: x.total is never read
        ("items[1:] + [9]", {"items": [1, 2, 3]}, [2, 3, 9]),
        ("names[-1]", {"names": ["a", "b"]}, "b"),
        ("{'a': 1, 'b': [x, 2]}", {"x": 1}, {"a": 1, "b": [1, 2]}),
        ("len(s) + max(1, 5) + min([3, 4]) + abs(-2) + round(2.567, 2)", {"s": "abc"}, 13 + 2.57),
        ("int('5') + float('1.5') + sum([1, 2]) + len(sorted([3, 1], reverse=True))", {}, 11.5),
        ("str(5) + 'x'", {}, "5x"),
        ("any([False, x]) and all([1, 2]) and bool(1)", {"x": True}, True),
    ],
)
def test_evaluate(source, variables, expected):
    assert evaluate(source, variables) == expected


def test_dot_reads_dict_keys_only():
    order = {"unit": {"building": "A"}, "lines": [{"qty": 2}], "keys": "a field, not a method"}
    assert evaluate("${order.unit.building == 'A'}", {"order": order}) is True
    assert evaluate("order.lines[0].qty", {"order": order}) == 2
    assert evaluate("order.keys", {"order": order}) == "a field, not a method"
    with pytest.raises(ExpressionError, match="unknown field: missing"):
        evaluate("order.missing", {"order": order})
    with pytest.raises(ExpressionError, match=r"cannot read \.upper of a str"):
        evaluate("s.upper", {"s": "abc"})
    with pytest.raises(ExpressionError, match=r"cannot read \.real of a int"):
        evaluate("n.real", {"n": 1})


def test_unknown_variable_and_runtime_errors():
    with pytest.raises(ExpressionError, match="unknown variable: x"):
        evaluate("x > 1", {})
    with pytest.raises(ExpressionError, match="ZeroDivisionError"):
        evaluate("1 / n", {"n": 0})
    with pytest.raises(ExpressionError, match="TypeError"):
        evaluate("'a' < 1", {})
    with pytest.raises(ExpressionError, match="syntax error"):
        evaluate("${amount >}", {"amount": 1})
    with pytest.raises(ExpressionError, match="unknown function"):
        evaluate("today()", {})


def test_registered_functions():
    functions = {"days": lambda n: n * 24, "now": lambda: 100}
    assert evaluate("now() + days(2)", {}, functions=functions) == 148
    assert check("now() + days(2)") == []  # deploy time: functions are not known yet
    assert check("now() + days(2)", functions=["now"]) == [
        "unknown function 'days' (allowed: abs, all, any, bool, empty, float, int, len, max, min, now, round, "
        "sorted, str, sum): days(2)"
    ]


def test_field_words_are_plain_variables_but_never_callable():
    assert evaluate("${type == 'plumbing' && id > 0}", {"type": "plumbing", "id": 7}) is True
    with pytest.raises(UnsafeExpression, match="calling 'eval' is not allowed"):
        evaluate("eval('1')", {}, functions={"eval": eval})


def test_execute_script():
    variables = {"amount": 120, "order": {"lines": [1, 2]}, "count": 1}
    script = """
fee = amount * 2
if fee > 200:
    level = 'high'
elif fee > 100:
    level = 'medium'
else:
    pass
order['status'] = 'open'
order.checked = true
count += 1
"""
    result = execute(script, variables)
    assert result is variables
    assert result == {
        "amount": 120,
        "order": {"lines": [1, 2], "status": "open", "checked": True},
        "count": 2,
        "fee": 240,
        "level": "high",
    }


def test_execute_has_value_semantics():
    """`x["k"] = v` copies x first: another variable, or the caller's dict, never changes behind its back."""
    record = {"a": 1}
    variables = execute("copy = record\nrecord['a'] = 2\nrecord['b'] = [0]", {"record": record})
    assert record == {"a": 1}
    assert variables["copy"] == {"a": 1}
    assert variables["record"] == {"a": 2, "b": [0]}


def test_never_calls_python_eval_or_exec(monkeypatch):
    _prepare.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("builtins eval/exec must never be called")

    with monkeypatch.context() as patch:
        patch.setattr(builtins, "eval", refuse)
        patch.setattr(builtins, "exec", refuse)
        condition = evaluate("${amount > 100 && !urgent}", {"amount": 150, "urgent": False})
        value = evaluate("order.lines[0] * 2 + len(order.lines)", {"order": {"lines": [5, 6]}})
        variables = execute("x = 1\nif x:\n    y = x + 1", {})
    assert (condition, value, variables) == (True, 12, {"x": 1, "y": 2})


def test_parse_and_check_are_cached():
    _prepare.cache_clear()
    for _ in range(3):
        evaluate("${a && b}", {"a": True, "b": True})
    assert _prepare.cache_info().hits == 2


# --------------------------------------------------------------------------- escapes refused statically


@pytest.mark.parametrize(
    ("source", "mode", "reason"),
    [
        ("__import__('os').system('id')", "eval", "method calls are not allowed"),
        ("__import__('os').system('id')", "eval", "calling '__import__' is not allowed"),
        ("import os", "exec", "imports are not allowed"),
        ("from os import system", "exec", "imports are not allowed"),
        ("().__class__.__bases__[0].__subclasses__()", "eval", "fields starting with '_' are not allowed"),
        ("().__class__.__bases__[0].__subclasses__()", "eval", "method calls are not allowed"),
        ("open('/etc/passwd').read()", "eval", "calling 'open' is not allowed"),
        ("exec('x=1')", "eval", "calling 'exec' is not allowed"),
        ("eval('1')", "eval", "calling 'eval' is not allowed"),
        ("compile('1', 'f', 'eval')", "eval", "calling 'compile' is not allowed"),
        ("getattr(x, '__class__')", "eval", "calling 'getattr' is not allowed"),
        ("setattr(x, 'a', 1)", "eval", "calling 'setattr' is not allowed"),
        ("vars()", "eval", "calling 'vars' is not allowed"),
        ("locals()", "eval", "calling 'locals' is not allowed"),
        ("globals()", "eval", "calling 'globals' is not allowed"),
        ("type(x)", "eval", "calling 'type' is not allowed"),
        ("object()", "eval", "calling 'object' is not allowed"),
        ("open", "eval", "'open' is not allowed"),
        ("[x for x in range(10**9)]", "eval", "comprehensions are not allowed"),
        ("{x: 1 for x in y}", "eval", "comprehensions are not allowed"),
        ("sum(x for x in y)", "eval", "comprehensions are not allowed"),
        ("while True: pass", "exec", "loops are not allowed"),
        ("for i in range(10): pass", "exec", "loops are not allowed"),
        ("lambda: 1", "eval", "lambda functions are not allowed"),
        ("def f(): pass", "exec", "defining functions or classes is not allowed"),
        ("class A: pass", "exec", "defining functions or classes is not allowed"),
        ("x.__dict__", "eval", "fields starting with '_' are not allowed (.__dict__)"),
        ("_private", "eval", "names starting with '_' are not allowed (_private)"),
        ("_private = 1", "exec", "names starting with '_' are not allowed (_private)"),
        ('"abc".upper()', "eval", "method calls are not allowed"),
        ("x.pop()", "eval", "method calls are not allowed"),
        ("f'{x}'", "eval", "f-strings are not allowed"),
        ("f'{x:>999999999}'", "eval", "f-strings are not allowed"),
        ("(y := 1)", "eval", "the := operator is not allowed"),
        ("len(*x)", "eval", "* unpacking is not allowed"),
        ("len(**x)", "eval", "** unpacking is not allowed"),
        ("{**x}", "eval", "** unpacking is not allowed"),
        ("1 << 10**9", "eval", "bitwise operators are not allowed"),
        ("with x: pass", "exec", "'with' is not allowed"),
        ("try:\n    pass\nexcept Exception:\n    pass", "exec", "'try' is not allowed"),
        ("raise ValueError", "exec", "'raise' is not allowed"),
        ("global x", "exec", "'global' is not allowed"),
        ("del x", "exec", "'del' is not allowed"),
        ("assert x", "exec", "'assert' is not allowed"),
        ("a, b = 1, 2", "exec", "you can assign only to a variable"),
        ("x[0:0] = y", "exec", "you can assign only to a variable"),
        ("(1).real", "eval", "'.' reads a field of a variable only"),
        ("x = 1", "eval", "syntax error"),
        ("-" * 500 + "1", "eval", "nested too deeply"),
    ],
)
def test_escape_attempts_are_refused(source, mode, reason):
    reasons = check(source, mode=mode)
    assert any(reason in line for line in reasons), reasons
    run = evaluate if mode == "eval" else execute
    with pytest.raises(ExpressionError) as refused:
        run(source, {"x": {"a": 1}, "y": [1]})
    if not reason.startswith(("syntax error", "nested too deeply")):
        assert isinstance(refused.value, UnsafeExpression)
        assert any(reason in line for line in refused.value.reasons)


def test_refusal_reasons_quote_the_offending_text():
    assert check("amount > 1 and __import__('os')") == [
        "calling '__import__' is not allowed: __import__('os')",
    ]


# --------------------------------------------------------------------------- escapes refused while running


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("10 ** 10 ** 10", "exponent 10000000000 is too large"),
        ("2 ** 101", "exponent 101 is too large"),
        ("(10 ** 99) ** 99", "the number would be too large"),
        ("'a' * 10**9", "1000000000 items or characters"),
        ("10**9 * 'a'", "1000000000 items or characters"),
        ("[0] * 10**8", "100000000 items or characters"),
        ("[[0] * 1000] * 1000", "1000000 items or characters"),  # nested lists are counted out
        ("sum([[1], [2]], [])", "sum() adds numbers only"),
        ("'%0999999999d' % 1", "formatting text with % is not supported"),
        ("round(5, -10**7)", "round() takes at most 100 digits"),
        ("max([1], key=1)", "min()/max() accept only a default="),
    ],
)
def test_huge_work_is_refused(source, reason):
    with pytest.raises(ExpressionError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        evaluate(source, {})


def test_growth_by_doubling_in_a_script_is_refused():
    with pytest.raises(ExpressionError, match="too large"):
        execute("a = [0] * 50000\na = a + a\na = a + a", {})
    with pytest.raises(ExpressionError, match="too large"):
        execute("a = [0] * 50000\nb = [0, 0]\nb[0] = a\nb[1] = a\nc = [b, b]", {})
    with pytest.raises(ExpressionError, match="too large"):
        execute(
            "x = 3 ** 100\nx = x * x\nx = x * x\nx = x * x\nx = x * x\nx = x * x\nx = x * x\nx = x * x", {}
        )


def test_step_cap():
    script = "x = 0\n" + "x = x + 1\n" * (MAX_STEPS // 4)
    with pytest.raises(ExpressionError, match=f"more than {MAX_STEPS} steps"):
        execute(script, {})
    assert execute("x = 0\n" + "x = x + 1\n" * 100, {}) == {"x": 100}
