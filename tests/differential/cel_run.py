#!/usr/bin/env python3
"""Differential test of claimcheck's CEL against Google's CEL C++ runtime (cel-expr-python).

Generates random CEL expressions over `assertion` (GCP workload identity) and `claims`
(Kubernetes structured authentication) with random claim sets, from FIXED seeds, evaluates each
with the engine and with claimcheck (an ignored Rust test reads the cases as JSON lines and
writes its results), and reports agreement on the value or the class of error.

Usage: cel_run.py generate CASES.jsonl
       cel_run.py engine CASES.jsonl ENGINE.jsonl
       cel_run.py compare CASES.jsonl ENGINE.jsonl CLAIMCHECK.jsonl
Not part of `cargo test`; run it through cel_run.sh.
"""

import json
import math
import random
import sys

SEEDS = [1, 2, 3, 4, 5, 6]
CASES_PER_SEED = 600

# Strings chosen for regular expressions and look-alikes: Arabic-Indic digits, accented and
# ligature letters, the Kelvin sign and long s (case folding), no-break space, vertical tab.
TEXTS = [
    "", "a", "abc", "ABC", "123", "١٢٣", "é", "éx", "x", "a.b", "axb", "a b", "K", "\u212a",
    "\u017f", "s", "ﬁ", "日本", "\u00a0", "\t", "\u000b", "repo:acme/app:ref:refs/heads/main",
    "acme/app", "refs/heads/main", "refs/tags/v1", "a+(b", "a_9", "dev", "ops", "prod",
]

PATTERNS = [
    r"^\d+$", r"\d", r"\D", r"^\w+$", r"\w", r"\W", r"^\s$", r"\s", r"\S", r"\bx", r"\Bx",
    r"^\Qa.b\E$", r"\Qa+(b", r"^a\Eb$", r"^.$", r"^..$", r"^[a-z]+$", r"(?i)^k$", r"(?i)^\w$",
    r"(?i)^s$", r"^[\d]+$", r"^[^\d]+$", r"^[a\D]$", r"é", r"^日", r"^a{2}$", r"a{", r"^[[:alpha:]]+$",
    r"\pL", r"^\p{Greek}", r"(?x) a", r"[", r"a{1001}", r"^\012$", r"^refs/heads/", r"acme/.*",
    r"[a&&b]", r"\<", r"^$", r"(?s).", r"(a|b)+", r"^(?P<n>a)", r"\x41", r"\C",
]

KEYS = ["sub", "repo", "ref", "n", "m", "f", "big", "flag", "groups", "nums", "nested", "uni", "empty"]


def random_claims(rng):
    claims = {}
    if rng.random() < 0.9:
        claims["sub"] = rng.choice(TEXTS)
    if rng.random() < 0.8:
        claims["repo"] = rng.choice(["acme/app", "acme/lib", "other/app", "é/x"])
    if rng.random() < 0.8:
        claims["ref"] = rng.choice(["refs/heads/main", "refs/tags/v1", "main"])
    if rng.random() < 0.8:
        claims["n"] = rng.choice([0, 1, 2, 7, 58, -3, 2**62, 9223372036854775807])
    if rng.random() < 0.6:
        claims["m"] = rng.choice([0, 1, 3, -1])
    if rng.random() < 0.5:
        claims["f"] = rng.choice([0.5, 1.5, -2.25, 1e20, 7.0, 0.0])
    if rng.random() < 0.3:
        claims["big"] = rng.choice([2**64 - 1, 2**63, 10**19])
    if rng.random() < 0.7:
        claims["flag"] = rng.choice([True, False])
    if rng.random() < 0.8:
        claims["groups"] = rng.sample(["dev", "ops", "admin", "é", "١"], rng.randint(0, 3))
    if rng.random() < 0.4:
        claims["nums"] = [rng.randint(-2, 5) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.5:
        claims["nested"] = {"a": rng.choice(TEXTS[:6]), "b": rng.randint(0, 3)}
    if rng.random() < 0.7:
        claims["uni"] = rng.choice(TEXTS)
    if rng.random() < 0.3:
        claims["empty"] = ""
    return claims


def q(text):
    """A CEL single-quoted string literal."""
    out = []
    for c in text:
        if c == "\\":
            out.append("\\\\")
        elif c == "'":
            out.append("\\'")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\u000b":
            out.append("\\v")
        else:
            out.append(c)
    return "'" + "".join(out) + "'"


class Gen:
    def __init__(self, rng, var):
        self.rng = rng
        self.var = var

    def claim(self, key=None):
        return f"{self.var}.{key or self.rng.choice(KEYS)}"

    def string(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.35:
            return q(self.rng.choice(TEXTS))
        if r < 0.65:
            return self.claim(self.rng.choice(["sub", "repo", "ref", "uni", "empty", "sub"]))
        if r < 0.75:
            return f"{self.string(d - 1)} + {self.string(d - 1)}"
        if r < 0.85:
            return f"string({self.rng.choice([self.int(d - 1), self.double(d - 1), self.uint(d - 1), self.boolean(d - 1)])})"
        if r < 0.9:
            return f"({self.boolean(d - 1)} ? {self.string(d - 1)} : {self.string(d - 1)})"
        if r < 0.92:
            return f"{self.claim('nested')}.a"
        if r < 0.95:
            return f"{self.claim('groups')}[{self.rng.randint(0, 2)}]"
        return self.string_ext(d - 1)

    def string_ext(self, d):
        """The strings extension, which both GCP and Kubernetes enable."""
        s = self.string(d)
        return self.rng.choice([
            f"{s}.lowerAscii()",
            f"{s}.upperAscii()",
            f"{s}.trim()",
            f"{s}.replace({q('a')}, {q('-')})",
            f"{s}.split({q('/')}).join({q(',')})",
            f"{s}.substring({self.rng.randint(0, 2)})",
            f"{s}.charAt({self.rng.randint(0, 2)})",
            f"string({s}.indexOf({q('a')}))",
            f"{self.claim('groups')}.join({q('+')})",
        ])

    def int(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.3:
            return str(self.rng.choice([0, 1, 2, 7, 58, -3, 9223372036854775807]))
        if r < 0.5:
            return self.claim(self.rng.choice(["n", "m"]))
        if r < 0.75:
            op = self.rng.choice(["+", "-", "*", "/", "%"])
            return f"({self.int(d - 1)} {op} {self.int(d - 1)})"
        if r < 0.85:
            return f"size({self.rng.choice([self.string(d - 1), self.claim('groups'), '[1, 2]', '{1: 2}'])})"
        if r < 0.9:
            return f"-{self.int(d - 1)}"
        return f"int({self.rng.choice([self.double(d - 1), self.uint(d - 1), q(self.rng.choice(['12', '-4', 'x', '1e3']))])})"

    def uint(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.5:
            return f"{self.rng.choice([0, 1, 7, 18446744073709551615])}u"
        if r < 0.8:
            op = self.rng.choice(["+", "-", "*", "/", "%"])
            return f"({self.uint(d - 1)} {op} {self.uint(d - 1)})"
        return f"uint({self.int(d - 1)})"

    def double(self, d):
        r = self.rng.random()
        if d <= 0 or r < 0.4:
            return self.rng.choice(["0.5", "1.5", "1e20", "-2.25", "7.0", "0.0", "1e-5", "123456789.0"])
        if r < 0.6:
            return self.claim(self.rng.choice(["f", "big"]))
        if r < 0.85:
            op = self.rng.choice(["+", "-", "*", "/"])
            return f"({self.double(d - 1)} {op} {self.double(d - 1)})"
        return f"double({self.int(d - 1)})"

    def list_(self, d):
        r = self.rng.random()
        if r < 0.4:
            return self.claim(self.rng.choice(["groups", "nums"]))
        if r < 0.7:
            items = [q(self.rng.choice(TEXTS)) for _ in range(self.rng.randint(0, 3))]
            return "[" + ", ".join(items) + "]"
        if r < 0.85:
            return f"{self.claim('groups')}.filter(g, {self.str_pred('g', d - 1)})"
        return f"{self.claim('groups')}.map(g, g + {q(self.rng.choice(['x', ':']))})"

    def str_pred(self, s, d):
        r = self.rng.random()
        if r < 0.2:
            return f"{s}.matches({q(self.rng.choice(PATTERNS))})"
        if r < 0.4:
            m = self.rng.choice(["startsWith", "endsWith", "contains"])
            return f"{s}.{m}({q(self.rng.choice(TEXTS[:12]))})"
        if r < 0.6:
            return f"{s} == {self.string(d)}"
        if r < 0.7:
            return f"{s} != {self.string(d)}"
        if r < 0.8:
            return f"size({s}) > {self.rng.randint(0, 3)}"
        return f"{s} in {self.list_(d)}"

    def boolean(self, d):
        r = self.rng.random()
        if d <= 0:
            return self.rng.choice(["true", "false", f"has({self.claim()})", self.claim("flag")])
        if r < 0.12:
            return self.str_pred(self.string(d - 1), d - 1)
        if r < 0.2:
            return f"{self.string(d - 1)}.matches({q(self.rng.choice(PATTERNS))})"
        if r < 0.3:
            op = self.rng.choice(["==", "!=", "<", "<=", ">", ">="])
            return f"{self.int(d - 1)} {op} {self.int(d - 1)}"
        if r < 0.35:
            op = self.rng.choice(["==", "<", ">="])
            return f"{self.double(d - 1)} {op} {self.double(d - 1)}"
        if r < 0.38:
            return f"{self.uint(d - 1)} {self.rng.choice(['==', '<'])} {self.uint(d - 1)}"
        if r < 0.45:
            return f"has({self.claim()})"
        if r < 0.5:
            return f"!{self.boolean(d - 1)}"
        if r < 0.58:
            return f"({self.boolean(d - 1)} && {self.boolean(d - 1)})"
        if r < 0.66:
            return f"({self.boolean(d - 1)} || {self.boolean(d - 1)})"
        if r < 0.7:
            return f"({self.boolean(d - 1)} ? {self.boolean(d - 1)} : {self.boolean(d - 1)})"
        if r < 0.78:
            m = self.rng.choice(["all", "exists", "exists_one"])
            return f"{self.list_(d - 1)}.{m}(g, {self.str_pred('g', d - 1)})"
        if r < 0.82:
            return f"{self.claim('nums')}.{self.rng.choice(['all', 'exists'])}(x, x > {self.rng.randint(-1, 3)})"
        if r < 0.86:
            return f"{self.list_(d - 1)} == {self.list_(d - 1)}"
        if r < 0.89:
            k = self.rng.choice(["'a'", "'b'", "'z'"])
            return f"{{'a': 1, 'b': 2}}[{k}] == {self.int(d - 1)}"
        if r < 0.92:
            t = self.rng.choice(["int", "double", "string", "bool", "list", "map", "uint"])
            return f"type({self.claim()}) == {t}"
        if r < 0.93:
            return self.claim(self.rng.choice(["flag", "n", "sub"]))
        if r < 0.96:
            return self.mixed(d - 1)
        return f"{self.claim()} == {self.rng.choice(['null', '1', q('x'), 'true', '1.0', '1u', '[]'])}"

    def mixed(self, d):
        """Numbers of different types: literal pairs are checker errors except ordering, claim
        values compare across types at run time (heterogeneous equality)."""
        n = self.claim(self.rng.choice(["n", "m", "f", "big"]))
        return self.rng.choice([
            f"{self.int(d)} {self.rng.choice(['<', '<=', '>', '>='])} {self.double(d)}",
            f"{self.uint(d)} {self.rng.choice(['<', '>='])} {self.int(d)}",
            f"{n} == {self.rng.choice(['1.0', '7.0', '0.0', '1', '7', '0u', '1u', '58.0'])}",
            f"{n} {self.rng.choice(['<', '>'])} {self.rng.choice(['1.5', '7', '0u'])}",
            f"{n} in [1, 7.0, 58u]",
            f"dyn({self.int(d)}) == {self.double(d)}",
            f"[{n}] == [{self.rng.choice(['1', '1.0', '7u'])}]",
            f"{{'a': {n}}} == {{'a': 7}}",
            f"int({q(self.rng.choice(['12', '-4', 'x', '1e3', '9223372036854775808']))}) == 12",
            f"double({q(self.rng.choice(['1.5', 'x', '1e400', '-0']))}) > 1.0",
            f"bool({q(self.rng.choice(['true', 'false', 'TRUE', 'yes']))})",
            f"{n} + 1 == 8",
            f"string({n}) == {q(self.rng.choice(['7', '1e+20', '58', '0.5', '1.8446744073709552e+19']))}",
            f"has({self.claim('nested')}.a)",
            f"{self.claim('nested')}.b + 1 == 2",
            f"{q('a')} in {{'a': 1, 'b': 'x'}}",
            f"{{'a': 1, 'b': 'x'}}.a == 1",
            f"{self.claim('nums')}.map(x, x * 2) == [2, 4]",
            f"{self.claim('nums')}.filter(x, x > 1).size() > 0",
        ])

    def ill_typed(self, d):
        """Expressions every checker refuses whatever the claims hold."""
        return self.rng.choice([
            f"{self.claim('n')} + 1 != 7u",
            "7u == 7",
            "[1, 2] == [1.0, 2.0]",
            f"{q('a')} + true",
            "1 == 1.0",
            f"{self.string(d)} + 1 == {q('x')}",
            f"{self.string(d)} == 1",
            f"!{self.int(d)}",
            f"{self.int(d)} && true",
            f"size({self.int(d)}) == 1",
            f"{self.claim('sub')}.startsWith(1)",
            f"{self.string(d)}.matches(1)",
            f"[1].all(x, x)",
            f"{q('a')} in [1, 2]",
            f"true ? 1 : {q('a')}",
            f"int(true) == 1",
            f"-1u == 1u",
            f"{{'a': 1}} == {{'a': 1u}}",
            f"null == {q('a')}",
            f"[1, 2][0u] == 1",
        ])

    def expression(self):
        if self.rng.random() < 0.08:
            return self.ill_typed(1)
        r = self.rng.random()
        if r < 0.8:
            return self.boolean(self.rng.randint(1, 3))
        if r < 0.9:
            return self.string(self.rng.randint(1, 3))
        if r < 0.95:
            return self.int(self.rng.randint(1, 2))
        return self.list_(2)


# Time zones for the timestamp accessors: daylight saving on both hemispheres, half- and
# quarter-hour offsets and changes, zones whose rules changed (Samoa skipped a day, Sao Paulo
# dropped DST, Casablanca's Ramadan changes, Dublin's negative DST), links, the extremes, and
# names that are not zones.
ZONES = [
    "Europe/Berlin", "America/New_York", "America/Los_Angeles", "US/Pacific", "Asia/Kolkata",
    "Asia/Kathmandu", "Australia/Lord_Howe", "Australia/Adelaide", "Pacific/Chatham",
    "Pacific/Apia", "Pacific/Kiritimati", "America/St_Johns", "America/Sao_Paulo",
    "Africa/Casablanca", "Europe/Dublin", "Europe/Moscow", "Asia/Tehran", "Antarctica/Troll",
    "America/Santiago", "Asia/Gaza", "Etc/GMT+12", "Etc/GMT-14", "UTC", "Etc/UTC", "GMT",
    "Europe/London", "Asia/Tokyo", "Australia/Sydney", "America/Havana", "Pacific/Norfolk",
    "europe/berlin", "Mars/Olympus", "", "+05:30", "-08:00", "+14:00", "-23:59",
]
ACCESSORS = ["getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek",
             "getDayOfYear", "getHours", "getMinutes", "getSeconds"]
TIME_ZONE_SEED = 7


def random_instant(rng):
    """An RFC 3339 UTC instant from 1970 to 2037 (the span the time-zone tables cover with
    transitions), often on the hour in a month when clocks change, one second either side."""
    import datetime
    if rng.random() < 0.5:
        seconds = rng.randrange(0, 2_145_916_800)
    else:
        day = datetime.datetime(rng.randrange(1971, 2037), rng.choice([3, 4, 9, 10, 11]),
                                rng.randrange(1, 29), rng.randrange(0, 24), tzinfo=datetime.timezone.utc)
        seconds = int(day.timestamp()) + rng.choice([-1, 0, 1, 1800])
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_zone_case(rng, var):
    instant = q(random_instant(rng))
    zone = q(rng.choice(ZONES))
    parts = [f"timestamp({instant}).{accessor}({zone})" for accessor in rng.sample(ACCESSORS, 3)]
    return "[" + ", ".join(parts) + "]"


def generate(path):
    with open(path, "w", encoding="utf-8") as out:
        rng = random.Random(TIME_ZONE_SEED)
        for i in range(CASES_PER_SEED):
            dialect = "gcp" if rng.random() < 0.6 else "kubernetes"
            var = "assertion" if dialect == "gcp" else "claims"
            case = {"id": f"{TIME_ZONE_SEED}-{i}", "dialect": dialect,
                    "expr": time_zone_case(rng, var), "claims": {}}
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
        for seed in SEEDS:
            rng = random.Random(seed)
            for i in range(CASES_PER_SEED):
                dialect = "gcp" if rng.random() < 0.6 else "kubernetes"
                var = "assertion" if dialect == "gcp" else "claims"
                case = {
                    "id": f"{seed}-{i}",
                    "dialect": dialect,
                    "expr": Gen(rng, var).expression(),
                    "claims": random_claims(rng),
                }
                out.write(json.dumps(case, ensure_ascii=False) + "\n")


def engine_claims(value):
    """JSON as cel-go and CEL C++ read it: integers outside int64 are doubles."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else float(value)
    if isinstance(value, list):
        return [engine_claims(v) for v in value]
    if isinstance(value, dict):
        return {k: engine_claims(v) for k, v in value.items()}
    return value


def plain(value):
    if isinstance(value, float):
        if math.isnan(value):
            return {"double": "nan"}
        if math.isinf(value):
            return {"double": "inf" if value > 0 else "-inf"}
        return {"double": value}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def run_engine(cases_path, out_path):
    from cel_expr_python import cel
    from cel_expr_python.ext import ext_strings

    envs = {
        name: cel.NewEnv(
            variables={var: cel.Type.Map(cel.Type.STRING, cel.Type.DYN)},
            extensions=[ext_strings.ExtStrings()],
        )
        for name, var in [("gcp", "assertion"), ("kubernetes", "claims")]
    }
    with open(cases_path, encoding="utf-8") as cases, open(out_path, "w", encoding="utf-8") as out:
        for line in cases:
            case = json.loads(line)
            var = "assertion" if case["dialect"] == "gcp" else "claims"
            result = {"id": case["id"]}
            try:
                expression = envs[case["dialect"]].compile(case["expr"])
            except Exception as error:  # the engine raises RuntimeError with the status text
                text = str(error)
                result["class"] = "syntax_error" if "Syntax error" in text else "check_error"
                result["message"] = text.split("\n")[0]
                out.write(json.dumps(result, ensure_ascii=False) + "\n")
                continue
            try:
                value = expression.eval(data={var: engine_claims(case["claims"])})
                kind = value.type().name().lower()
                if kind == "error":
                    result["class"] = "eval_error"
                    result["message"] = str(value.value())
                else:
                    result["class"] = "value"
                    result["type"] = kind.split("<")[0]
                    result["value"] = plain(value.plain_value())
            except Exception as error:
                result["class"] = "eval_error"
                result["message"] = str(error)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")


# Where CEL C++ (as packaged) contradicts the CEL specification, the documented answer is the
# expected one; README.md lists these corrections.
def correction(case, engine, ours):
    """The documented reason the engine's answer is not the expected one, or None."""
    if (
        case["dialect"] == "kubernetes"
        and "\\C" in case["expr"]
        and ours["class"] == "eval_error"
        and "invalid escape" in ours.get("message", "")
    ):
        return ("Kubernetes evaluates CEL with cel-go, whose matches() uses Go's regexp; Go's "
                "syntax (https://pkg.go.dev/regexp/syntax) has no \\C, so the pattern is an "
                "error there; CEL C++ (RE2) accepts it")
    return None


def same_value(a, b):
    if isinstance(a, dict) and "double" in a and isinstance(b, dict) and "double" in b:
        x, y = a["double"], b["double"]
        return x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def compare(cases_path, engine_path, claimcheck_path):
    cases = [json.loads(l) for l in open(cases_path, encoding="utf-8")]
    engine = {r["id"]: r for r in map(json.loads, open(engine_path, encoding="utf-8"))}
    ours = {r["id"]: r for r in map(json.loads, open(claimcheck_path, encoding="utf-8"))}
    total = agree = corrected = 0
    false_true = []
    disagreements = []
    classes = {}
    corrections_seen = {}
    for case in cases:
        total += 1
        e, o = engine[case["id"]], ours[case["id"]]
        if "value" in o:
            o = dict(o, value=plain(o["value"]))
        classes[e["class"]] = classes.get(e["class"], 0) + 1
        same = e["class"] == o["class"] and (
            e["class"] != "value" or (e["type"] == o["type"] and same_value(e["value"], o["value"]))
        )
        if same:
            agree += 1
            continue
        reason = correction(case, e, o)
        if reason:
            corrected += 1
            corrections_seen[reason] = corrections_seen.get(reason, 0) + 1
            continue
        if o["class"] == "value" and o.get("value") is True and not (
            e["class"] == "value" and e.get("value") is True
        ):
            false_true.append((case, e, o))
        disagreements.append((case, e, o))
    print(f"cases: {total}")
    print(f"engine classes: {json.dumps(classes, sort_keys=True)}")
    print(f"agree: {agree}")
    print(f"agree after documented corrections: {agree + corrected} ({corrected} corrected)")
    for reason, count in corrections_seen.items():
        print(f"  corrected ({count}): {reason}")
    print(f"disagree: {len(disagreements)}")
    print(f"claimcheck true where the engine is not: {len(false_true)}")
    for case, e, o in disagreements[:40]:
        print("---")
        print(json.dumps(case, ensure_ascii=False))
        print("  engine:    ", json.dumps(e, ensure_ascii=False))
        print("  claimcheck:", json.dumps(o, ensure_ascii=False))
    return 0 if not disagreements else 1


def main(argv):
    if argv[1:2] == ["generate"]:
        generate(argv[2])
    elif argv[1:2] == ["engine"]:
        run_engine(argv[2], argv[3])
    elif argv[1:2] == ["compare"]:
        return compare(argv[2], argv[3], argv[4])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
