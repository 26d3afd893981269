"""The committed reference designs, re-checked from their files by code that shares
nothing with dsdcrn's designer or scorer: only ViennaRNA (``import RNA``) and the files a
lab receives (``domains.txt``, ``strands.fasta``, ``mix.csv``, ``complexes.txt``).

Each test recomputes one figure of the sequence specification (issue: one energy model,
no toehold occlusion, single-stranded toeholds, ensemble defects) and checks that the
report states it truly, and that the report's first line names the item when it is missed.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

RNA = pytest.importorskip("RNA")

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [
    ROOT / "designs" / "nagipogu_reif_neuron_d1",
    ROOT / "designs" / "rps_oscillator",
    # 1,000 strands: minutes of ViennaRNA a check
    pytest.param(ROOT / "designs" / "kang_kim_2_2_1", marks=pytest.mark.slow),
]
COMP = str.maketrans("ACGT", "TGCA")
TOEHOLD_MAX_NT = 9  # the PIL convention: domains this short are toeholds
RT = 0.0019872 * 298.15  # kcal/mol at 25 °C


def rc(s: str) -> str:
    return s[::-1].translate(COMP)


class Folder:
    """A design folder's files, parsed here (kernel notation by hand)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.domains = dict(
            line.split() for line in (path / "domains.txt").read_text().splitlines()
        )
        lines = (path / "strands.fasta").read_text().split()
        self.strands = {lines[i][1:]: lines[i + 1] for i in range(0, len(lines), 2)}
        self.mix = list(csv.DictReader((path / "mix.csv").open()))
        self.scores = json.loads((path / "scores.json").read_text())
        self.checks = json.loads((path / "sequence_checks.json").read_text())
        self.first = (path / "report.md").read_text().splitlines()[2]
        p = self.checks["parameters"]
        assert RNA.params_load_DNA_Mathews2004()
        self.md = RNA.md()
        self.md.temperature = p["temperature_C"]
        if p["salt_M"] is not None:
            self.md.salt = p["salt_M"]

    def seq(self, token: str) -> str:
        s = self.domains[token.rstrip("*")]
        return rc(s) if token.endswith("*") else s

    def toehold(self, token: str) -> bool:
        return len(self.domains[token.rstrip("*")]) <= TOEHOLD_MAX_NT

    def parsed(self, kernel: str) -> list[list[tuple[str, bool]]]:
        """Strands of a kernel string as (domain token, paired) lists."""
        out: list[list[tuple[str, bool]]] = [[]]
        stack: list[str] = []
        for tok in kernel.split():
            if tok == "+":
                out.append([])
            elif tok.endswith("("):
                stack.append(tok[:-1])
                out[-1].append((tok[:-1], True))
            elif tok == ")":
                d = stack.pop()
                out[-1].append((d[:-1] if d.endswith("*") else d + "*", True))
            else:
                out[-1].append((tok, False))
        return out

    def complexes(self) -> list[tuple[str, str, float]]:
        """(name, kernel, concentration nM) of every complex in ``system.pil``, then of
        the read-out reporters in ``mix.csv``."""
        out = []
        for line in (self.path / "system.pil").read_text().splitlines():
            line = line.split("#")[0].strip()
            if not line or line.startswith("length") or "=" not in line:
                continue
            name, rest = (x.strip() for x in line.split("=", 1))
            kernel, _, init = rest.partition("@")
            conc = float(init.split()[1]) if init.startswith("initial") else 0.0
            out.append((name, kernel, conc))
        reps = [r for r in self.mix if r["role"] == "reporter"]
        return out + [(r["complex"], r["kernel"], float(r["concentration_nM"])) for r in reps]

    def strand_tokens(self) -> dict[str, list[str]]:
        """Each strand's domains; a strand of the system is named after the first complex
        holding it (``C`` alone, else ``C_s1``, ``C_s2`` ...), a reporter's as in
        ``mix.csv`` (dye-labelled oligos of their own)."""
        out: dict[str, list[str]] = {}
        seen: set[tuple[str, ...]] = set()
        reps = {
            r["complex"]: r["strands"].split(" + ") for r in self.mix if r["role"] == "reporter"
        }
        for name, kernel, _ in self.complexes():
            strands = self.parsed(kernel)
            for i, strand in enumerate(strands, start=1):
                key = tuple(t for t, _ in strand)
                if name in reps:
                    out[reps[name][i - 1]] = list(key)
                elif key not in seen:
                    seen.add(key)
                    out[name if len(strands) == 1 else f"{name}_s{i}"] = list(key)
        return out

    def sites(self) -> list[tuple[str, str, str, str, float]]:
        """(toehold, exposed token, flank nt 5', flank nt 3', complex nM) of every
        toehold left unpaired next to a paired domain of its strand in an intended
        complex; a site met in several complexes once, at the highest concentration (1 uM,
        the scores' reference, for complexes not in the mix)."""
        found: dict[tuple[str, str, str, str], float] = {}
        for _, kernel, conc in self.complexes():
            for strand in self.parsed(kernel):
                for k, (tok, paired) in enumerate(strand):
                    if paired or not self.toehold(tok):
                        continue
                    left = strand[k - 1] if k > 0 and strand[k - 1][1] else None
                    right = strand[k + 1] if k + 1 < len(strand) and strand[k + 1][1] else None
                    if left or right:
                        five = self.seq(left[0])[-1] if left else ""
                        three = self.seq(right[0])[0] if right else ""
                        key = (tok.rstrip("*"), tok, five, three)
                        found[key] = max(found.get(key, 0.0), conc or 1000.0)
        return [(*k, c) for k, c in found.items()]


def missed(f: Folder, item: str) -> bool:
    """Whether the report's first line names ``item`` as missed ("item: figures (why)")."""
    return re.search(rf"(\*\* |; ){re.escape(item)}: ", f.first) is not None


def in_context(f: Folder, tok: str, five: str, three: str) -> float:
    """ΔG of the toehold duplex stacked on its flanking pair(s), minus their terminal
    A-T penalties (the flanking pairs are no helix ends in place)."""
    top = five + f.seq(tok) + three
    fc = RNA.fold_compound(f"{top}&{rc(top)}", f.md)
    dG = fc.eval_structure("(" * len(top) + ")" * len(top))
    return dG - sum(RNA.param(f.md).TerminalAU / 100.0 for n in (five, three) if n in ("A", "T"))


def peppercorn_target(length: int) -> float:
    return -1.7 * length + 1.9


@pytest.fixture(scope="module", params=FOLDERS, ids=lambda p: Path(p).name)
def folder(request) -> Folder:
    if not (request.param / "scores.json").exists():
        pytest.skip(f"{request.param.name} is not built")
    return Folder(request.param)


def test_toehold_energies_in_context_are_on_target_and_reported_truly(folder) -> None:
    by_toehold: dict[str, list[float]] = {}
    for t, tok, five, three, _ in folder.sites():
        by_toehold.setdefault(t, []).append(in_context(folder, tok, five, three))
    reported = {t["name"]: t["context_dG"] for t in folder.scores["toeholds"]}
    assert by_toehold and set(by_toehold) <= set(reported)
    for t in set(reported) - set(by_toehold):  # never exposed next to a helix: the mean
        by_toehold[t] = [  # over the eight one-flank contexts (either side, each base)
            np.mean(
                [in_context(folder, t, b, "") for b in "ACGT"]
                + [in_context(folder, t, "", b) for b in "ACGT"]
            )
        ]
    worst = 0.0
    exposed = {t for t, *_ in folder.sites()}
    for t, values in by_toehold.items():
        # the report lists each distinct context (by its domains) once: compare values
        assert {round(v, 6) for v in reported[t]} == {round(v, 6) for v in values}, t
        mean = np.mean(reported[t])
        if t in exposed:  # the specification holds toeholds that bind as toeholds
            worst = max(worst, abs(mean - peppercorn_target(len(folder.domains[t]))))
    assert worst == pytest.approx(folder.scores["metrics"]["dG dev max"], abs=1e-6)
    if missed(folder, "toehold ΔG"):
        assert worst > 0.5
    else:
        assert worst <= 0.5 + 1e-9


def test_toehold_windows_are_counted_truly(folder) -> None:
    toeholds = {t: s for t, s in folder.domains.items() if 5 <= len(s) <= TOEHOLD_MAX_NT}
    reads: dict[str, set[str]] = {}
    for t, s in toeholds.items():
        for x in (s, rc(s)):
            for i in range(len(x) - 4):
                reads.setdefault(x[i : i + 5], set()).add(t)
    tokens = folder.strand_tokens()
    count = 0
    for name, seq in folder.strands.items():
        own: dict[str, list[int]] = {}  # where each toehold's domain lies in this strand
        pos = 0
        for tok in tokens[name]:
            own.setdefault(tok.rstrip("*"), []).append(pos)
            pos += len(folder.domains[tok.rstrip("*")])
        assert pos == len(seq)
        for i in range(len(seq) - 4):
            for t in reads.get(seq[i : i + 5], ()):
                n = len(toeholds[t])
                count += not any(j <= i and i + 5 <= j + n for j in own.get(t, []))
    assert count == folder.scores["metrics"]["Toehold windows"]
    assert (missed(folder, "toehold windows")) == (count > 0)


def _bind_dG(f: Folder, site: str, con: str, partner: str) -> float:
    """Ensemble binding ΔG of a strand to a site whose flanks are blocked (kcal/mol)."""

    def g(seqs: list[str], c: str) -> float:
        fc = RNA.fold_compound("&".join(seqs), f.md)
        fc.hc_add_from_db(c, RNA.CONSTRAINT_DB_DEFAULT)
        return fc.pf()[1]

    return (
        g([site, partner], con + "." * len(partner))
        - g([site], con)
        - g([partner], "." * len(partner))
    )


def test_toehold_occupancy_by_unintended_partners(folder) -> None:
    alone = [r for r in folder.mix if "+" not in r["strands"] and float(r["concentration_nM"]) > 0]
    assert alone  # signals and helpers
    worst = {}
    for t, tok, five, three, site_nM in folder.sites():
        partner_tok = tok[:-1] if tok.endswith("*") else tok + "*"
        site = five + folder.seq(tok) + three
        con = "x" * len(five) + "." * len(folder.seq(tok)) + "x" * len(three)
        K, P = [], []
        for r in alone:
            if partner_tok in r["kernel"].split():
                continue  # an intended partner
            K.append(math.exp(-_bind_dG(folder, site, con, folder.strands[r["strands"]]) / RT))
            P.append(float(r["concentration_nM"]) * 1e-9)
        K, P, S = np.array(K), np.array(P), site_nM * 1e-9
        free = S
        for _ in range(200):  # mass balance of one site with every partner, by iteration
            free = S / (1.0 + (K * P / (1.0 + K * free)).sum())
        worst[t] = max(worst.get(t, 0.0), 100.0 * (S - free) / S)
    reported = {t["name"]: t["occupancy_pct"] for t in folder.scores["toeholds"]}
    for t, value in worst.items():
        assert reported[t] == pytest.approx(value, rel=0.02, abs=0.05), t
    assert (missed(folder, "occupancy")) == (max(worst.values()) >= 10.0)


def test_single_stranded_toeholds_of_free_strands(folder) -> None:
    lowest = 1.0
    for row in folder.mix:
        strands = folder.parsed(row["kernel"])
        names = row["strands"].split(" + ")
        paired = [sum(len(folder.seq(t)) for t, p in s if p) for s in strands]
        # the base strand: most paired nt, then the longer (a reporter's dye strand)
        size = [(paired[i], len(folder.strands[n])) for i, n in enumerate(names)]
        base = names[max(range(len(names)), key=size.__getitem__)] if len(names) > 1 else None
        for name, strand in zip(names, strands, strict=True):
            if name == base:
                continue
            seq = folder.strands[name]
            mask = np.concatenate(
                [np.full(len(folder.seq(t)), folder.toehold(t)) for t, _ in strand]
            )
            if not mask.any():
                continue
            fc = RNA.fold_compound(seq, folder.md)
            fc.exp_params_rescale(fc.mfe()[1])
            fc.pf()
            P = np.array(fc.bpp())[1:, 1:]
            unpaired = 1.0 - (P + P.T).sum(axis=1)
            lowest = min(lowest, float(unpaired[mask].min()))
    assert folder.scores["metrics"]["SSTU min"] == pytest.approx(lowest, abs=0.01)
    assert (missed(folder, "SSTU")) == (lowest < 0.9)


def test_worst_ensemble_defect(folder) -> None:
    text = (folder.path / "complexes.txt").read_text().split("\n\n")
    worst = 0.0
    for block in text:
        lines = [x for x in block.splitlines() if x and not x.startswith("#")]
        if len(lines) != 2 or lines[0].count("+") > 7:
            continue
        seq, target = lines
        fc = RNA.fold_compound(seq.replace("+", "&"), folder.md)
        fc.exp_params_rescale(fc.mfe()[1])
        fc.pf()
        worst = max(worst, fc.ensemble_defect(target.replace("+", "")))
    reported = max(
        c["ensemble_defect"] for c in folder.checks["complex_checks"] if not c.get("skipped")
    )
    assert reported == pytest.approx(worst, abs=2e-3)
    assert (missed(folder, "ensemble defect")) == (worst >= 0.05)
