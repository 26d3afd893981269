"""The design folder: everything a wet lab needs to order, mix and check a circuit.

Files written (all at once: the folder is assembled in a temporary sibling and
swapped into place by :func:`dsdcrn.io.write_folder`, so a failed or interrupted
build leaves no half-written design, and an existing folder is replaced only when it
is an earlier dsdcrn output and ``force`` is given):

``README.md``             what the folder holds and the command that rebuilds it
``formal.crn``            the formal CRN, initial concentrations in nM
``system.pil``            the compiled domain-level system (Peppercorn reads it)
``enumerated.pil``        resting species and condensed reactions
``verification.json``     each method's verdict, time, interpretation, counterexample
``domains.txt``           domain sequences 5'->3'
``strands.fasta``         every distinct strand to synthesise
``complexes.txt``         every signal and fuel complex: strands, sequence, target structure
``order.csv``             name, sequence, length, scale, purification, plate, well
``mix.csv``               every signal and fuel complex with its concentration (nM)
``sequence_checks.json``  toehold energies, MFE and ensemble defect per complex
``scores.md/.json``       the chosen design's scores (:mod:`dsdcrn.design.scores`)
``candidates.csv``        every candidate design's scores and meta-rank
``counts.json``           strands, complexes, nucleotides, per formal reaction
``kinetics.png/.json``    formal CRN versus DSD implementation trajectories
``report.md``             a summary of all of it

When verification does not prove the implementation correct, the folder holds the
formal CRN, the systems, ``verification.json``, ``counts.json`` and a ``report.md``
that leads with the failure and its counterexample, and no order sheet (unless the
build was asked to order anyway).

:func:`write_sequence_folder` writes the sequence part alone (``dsdcrn design``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from dsdcrn.design.candidates import SPEC_TEXT, BestOf, spec_summary
from dsdcrn.design.ordering import PAGE_ABOVE_NT, SCALE_BREAK_NT, complexes_text, fasta, order_csv
from dsdcrn.design.scores import DIMER_DG_THRESHOLD, spurious_pairs
from dsdcrn.design.toehold_energy import toehold_targets
from dsdcrn.errors import DsdcrnError
from dsdcrn.io import write_folder
from dsdcrn.kinetics.fidelity import write_plot
from dsdcrn.model.design import DesignProblem, SequenceDesign
from dsdcrn.output.protocol import MixOptions, mix_protocol
from dsdcrn.pipeline import Build, design_problem, roles_of


def _mix_rows(b: Build) -> list[list[str | float]]:
    rows = []
    name_of = b.system.strand_names()
    for cx in b.system.complexes:
        strands = " + ".join(name_of[tuple(s)] for s in cx.strands)
        note = cx.part if cx.role == "fuel" else f"formal species {cx.formal}"
        if cx.role == "signal" and cx.concentration_nM == 0:
            continue
        rows.append([cx.name, cx.role, f"{cx.concentration_nM:g}", strands, cx.kernel, note])
    for r in b.reporters():
        strands = f"{r.top_strand} + {r.bottom_strand}"
        note = f"read-out of {r.species} ({r.fluorophore}/{r.quencher})"
        rows.append(
            [r.name, "reporter", f"{r.complex.concentration_nM:g}", strands, r.complex.kernel, note]
        )
    return rows


#: The design folder's lab protocol: strands resuspended at 1 mM (100 nmol in 100 µL),
#: gates PAGE-purified (leftover top strands of an excess would act as signals from t = 0).
PROTOCOL = MixOptions(stock_uM=1000.0, purification="page")


def _protocol_files(b: Build) -> dict[str, str]:
    """``protocol.md`` and ``protocol.csv``, or a ``protocol.md`` that says why not."""
    try:
        opts = replace(PROTOCOL, reporter_nM=b.options.reporter_nM)
        p = mix_protocol(b.system, opts, b.options.readout)
    except DsdcrnError as err:
        return {"protocol.md": f"# Mix protocol\n\nNot written: {err}\n"}
    return {"protocol.md": p.markdown(), "protocol.csv": p.csv()}


def _csv(rows: list[list], header: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def sequence_files(
    problem: DesignProblem, best: BestOf, roles: dict[str, str] | None = None
) -> dict[str, str]:
    """The sequence-design files: domains, strands, complexes, order sheet, scores."""
    d = best.winner.design
    scores = best.winner.scores
    return {
        "domains.txt": d.domains_text(),
        "strands.fasta": fasta(d, list(problem.strands)),
        "complexes.txt": complexes_text(problem, d, roles),
        "order.csv": order_csv(problem, d),
        "sequence_checks.json": json.dumps(d.to_json_dict(), indent=2) + "\n",
        "scores.json": scores_json(
            {"candidate": best.winner.index, "seed": best.winner.seed, **scores.to_json_dict()}
        ),
        "scores.md": best.summary() + "\n" + scores.markdown(),
        "candidates.csv": best.scores_csv(),
    }


def write_sequence_folder(
    problem: DesignProblem,
    best: BestOf,
    out: str | Path,
    pil: str | None = None,
    roles: dict[str, str] | None = None,
    force: bool = False,
) -> Path:
    """Write the sequence part of a design folder (``dsdcrn design``); ``pil`` is saved as
    ``system.pil`` when given; ``force`` replaces an earlier dsdcrn output there."""
    files = sequence_files(problem, best, roles)
    if pil is not None:
        files = {"system.pil": pil, **files}
    return write_folder(files, out, force=force)


def folder_readme(b: Build, command: str | None) -> str:
    """The design folder's ``README.md``: what it holds and the command that built it."""
    lines = [
        f"# {b.formal.name}",
        "",
        f"A DSD design of `formal.crn` with the {b.system.scheme} scheme, built by dsdcrn.  "
        "Start with `report.md` (its first line says whether the sequences meet their "
        "specification); the lab protocol is `protocol.md`, the order sheet `order.csv`.",
        "",
    ]
    if command:
        lines += [
            "Rebuild it (from the repository root; `--force` replaces this folder):",
            "",
            "```bash",
            command,
            "```",
            "",
        ]
    return "\n".join(lines)


def write_design(
    b: Build, out: str | Path, force: bool = False, command: str | None = None
) -> Path:
    """Write the design folder of build ``b`` to ``out``; ``force`` replaces an earlier
    dsdcrn output there (:func:`dsdcrn.io.write_folder`); ``command``, the command line
    that built it, goes into the folder's ``README.md``."""
    files = {
        "README.md": folder_readme(b, command),
        "formal.crn": b.formal.to_text(),
        "system.pil": b.system.to_pil(),
        "enumerated.pil": b.enumerated.to_pil(),
        "verification.json": json.dumps(b.verification.to_json_dict(), indent=2) + "\n",
    }
    if b.best is not None:
        problem = design_problem(b.system, b.options.readout, b.options.reporter_nM)
        files |= sequence_files(problem, b.best, roles_of(b.system, problem))
        files["mix.csv"] = _csv(
            _mix_rows(b), ["complex", "role", "concentration_nM", "strands", "kernel", "note"]
        )
        files |= _protocol_files(b)
    files["counts.json"] = json.dumps(b.counts.to_json_dict(), indent=2) + "\n"
    if b.fidelity is not None:
        kin = b.fidelity.to_json_dict()
        kin["realisation"] = b.realisation.to_json_dict() if b.realisation else None
        kin |= b.kinetics.to_json_dict() if b.kinetics else {}
        files["kinetics.json"] = json.dumps(kin, indent=2, default=_json_default) + "\n"

    def extra(tmp: Path) -> None:
        if b.fidelity is not None:
            write_plot(
                b.fidelity,
                tmp / "kinetics.png",
                f"{b.formal.name}: formal CRN vs DSD ({b.system.scheme})",
            )
        (tmp / "report.md").write_text(report(b))

    return write_folder(files, out, extra, force=force)


def _json_default(x):
    """numpy scalars as JSON numbers."""
    return float(x)


def _verdict(v: bool | None) -> str:
    return {True: "correct", False: "**incorrect**", None: "no answer"}[v]


def _failure_lines(b: Build) -> list[str]:
    """The report's opening when verification did not prove the implementation correct."""
    v = b.verification
    what = "INCORRECT" if v.verdict is False else "NOT VERIFIED (no method answered)"
    lines = [
        f"**{what}: this DSD implementation is not a proven implementation of the "
        f"formal CRN with {b.system.scheme}.**",
        "",
    ]
    for r in v.results:
        if r.verdict is not True:
            why = r.counterexample or r.detail or "no detail"
            lines.append(f"- {r.method}: {_verdict(r.verdict)}; {why}")
    if v.known_issue_note:
        lines.append(f"- known issue of {b.system.scheme}: {v.known_issue_note}")
    lines.append("")
    if b.best is None:
        lines += [
            "No sequences were designed and no order sheet was written (build with "
            "`--order-anyway` to get them all the same).",
            "",
        ]
    else:
        lines += [
            "Sequences and an order sheet were written because `--order-anyway` was "
            "given; do not order them expecting a correct circuit.",
            "",
        ]
    if b.simulation_error:
        lines += [f"Simulation failed: {b.simulation_error}", ""]
    return lines


def report(b: Build) -> str:
    """The design folder's ``report.md``."""
    o = b.options
    lines = [f"# {b.formal.name}: DSD design with {b.system.scheme}", ""]
    if b.best is not None:
        lines += [spec_summary(b.best.winner.scores, o.design), ""]
    if not b.verified:
        lines += _failure_lines(b)
    lines += [
        f"Built by dsdcrn with seed {o.seed}; fuels at {o.fuel_nM:g} nM before rate "
        f"realisation; formal unit {o.unit_nM:g} nM.",
        "",
        *_headline(b),
        *_verification_lines(b),
        *_cost_lines(b),
    ]
    if b.design is not None:
        lines += _sequence_lines(b)
    if b.fidelity is not None:
        lines += _kinetics_lines(b)
    lines += [
        "## Stage times (s)",
        "",
        " | ".join(f"{k} {v:.2f}" for k, v in b.seconds.items()),
        "",
    ]
    if b.fidelity is not None:
        lines += [f"- {n}" for n in b.fidelity.notes]
    return "\n".join(lines) + "\n"


def _verification_lines(b: Build) -> list[str]:
    v = b.verification
    lines = [
        "## Formal CRN",
        "",
        "```",
        b.formal.to_text().rstrip(),
        "```",
        "",
        "## Verification",
        "",
        f"Verdict: **{_verdict(v.verdict)}**, decided by {v.decided_by or 'no method'} "
        f"(each method limited to {v.timeout_s:g} s).",
        "",
        "| method | verdict | seconds | detail |",
        "|---|---|---:|---|",
    ]
    for r in v.results:
        detail = (r.counterexample or r.detail or "").replace("|", "/")
        if len(detail) > 160:
            detail = detail[:157] + "..."
        lines.append(f"| {r.method} | {_verdict(r.verdict)} | {r.seconds:.2f} | {detail} |")
    lines += [
        "",
        "CRN bisimulation was given a full interpretation (every signal, each history "
        "variant, to its formal species; every waste to nothing; fuels removed); "
        "pathway decomposition and the integrated hybrid method saw signal variants "
        "collapsed to their formal names.",
        "",
    ]
    return lines


def _reporter_cost(b: Build) -> str:
    """The read-out reporters' strands, ordered besides the circuit's (sentence or '')."""
    reps = b.reporters()
    if not reps or b.best is None:
        return ""
    nt = sum(len(b.design.strands[s]) for r in reps for s in (r.top_strand, r.bottom_strand))
    return (
        f"  The read-out adds {len(reps)} reporter(s), {2 * len(reps)} dye-labelled "
        f"strands, {nt} nt ({', '.join(r.name for r in reps)})."
    )


def _cost_lines(b: Build) -> list[str]:
    c, e = b.counts, b.enumerated
    return [
        "## Enumeration",
        "",
        f"Peppercorn enumerated {e.counts.get('resting', 0)} resting and "
        f"{e.counts.get('transient', 0)} transient complexes "
        f"({e.counts.get('detailed_reactions', 0)} detailed reactions) in {e.seconds:.1f} s, "
        f"condensed to {len(e.reactions)} reactions between "
        f"{len(e.by_role('signal'))} signal, {len(e.by_role('fuel'))} fuel, "
        f"{len(e.by_role('intermediate'))} intermediate and {len(e.by_role('waste'))} "
        f"waste species (remote toehold binding rejected: {e.options.reject_remote}; "
        f"release cut-off {e.options.release_cutoff} nt).",
        "",
        "## Cost",
        "",
        f"{c.strands} distinct strands, {c.nucleotides} nt to synthesise, "
        f"{c.fuel_complexes} fuel complexes and {c.signal_complexes} signal strands; "
        f"{c.domains} domains ({c.domain_nucleotides} nt to design)." + _reporter_cost(b),
        "",
        c.table(),
        "",
    ]


def conditions_text(design: SequenceDesign) -> str:
    """The energy model and conditions a design was made and checked under."""
    p = design.parameters
    na = p.get("na_M")
    mg = p.get("mg_mM") or 0.0
    salt = p.get("salt_M")
    text = (
        f"ViennaRNA, DNA parameters (Mathews 2004), {p.get('temperature_C', 25.0):g} °C, "
        + ("Na+ 1.021 M (ViennaRNA's standard)" if na is None else f"Na+ {na:g} M")
        + f", Mg2+ {mg:g} mM"
    )
    if mg:
        text += f" (as a Na+ equivalent: {salt:.3g} M in all, von Ahsen et al. 2001)"
    return text


def _sequence_lines(b: Build) -> list[str]:
    d, o = b.design, b.options
    best = b.best
    m = best.winner.scores.metrics
    lines = ["## Sequences", ""]
    dgs = list(d.toehold_dG.values())
    length = {t: len(d.domains[t]) for t in d.toehold_dG}
    goal = toehold_targets(length.values(), o.design.toehold_dG)
    per_length = ", ".join(f"{n} nt {g:.2f}" for n, g in sorted(goal.items()))
    checks = [x for x in d.complex_checks if x.get("ensemble_defect") is not None]
    worst = max(checks, key=lambda x: x["ensemble_defect"]) if checks else None
    lines += (
        [
            f"Energy model (one for targets, checks and this report): {conditions_text(d)}."
            f"  Toeholds: {len(dgs)}, in-context ΔG {min(dgs):.2f} to {max(dgs):.2f} "
            f"kcal/mol (mean over the places each lies exposed next to a helix; target "
            f"{per_length} ± {o.design.toehold_dev:g}"
            + (
                ": Peppercorn's energy of each length, which the rate realisation assumes"
                if o.design.toehold_dG is None
                else ""
            )
            + f"); largest deviation {m['dG dev max']:.2f} kcal/mol.  Piperine's figure "
            f"for comparison (stickydesign's energy, target 7.7): mean error "
            f"{m['dG error (stickydesign)']:.2f} kcal/mol.  Longest k-mer shared between "
            f"distinct domains or with a complement: {d.max_shared_kmer_found} nt.",
            "",
        ]
        if dgs
        else []
    )
    if worst:
        mean = sum(x["ensemble_defect"] for x in checks) / len(checks)
        fails = [x["name"] for x in checks if not x.get("mfe_equals_target")]
        lines += [
            f"ViennaRNA: {len(checks)} intended complexes checked; "
            f"ensemble defect mean {mean:.1%}, worst {worst['ensemble_defect']:.1%} "
            f"({worst['name']}); MFE differs from the target for {len(fails)}"
            + (f": {', '.join(fails[:10])}" if fails else "")
            + ".  Per-complex figures: `sequence_checks.json`.",
            "",
        ]
    n_bad = len(best.winner.scores.spurious_dimers())
    n_ok = sum(best.meets(c.index) for c in best.candidates)
    thr = best.winner.scores.options["dimer_threshold"]
    lines += [
        f"Chosen design: candidate {best.winner.index} of {len(best.candidates)} "
        f"(seed {best.winner.seed}), by Piperine's meta-ranking "
        + (
            f"among the {n_ok} that meet the specification"
            if n_ok
            else f"among those that miss the fewest items of the specification ({SPEC_TEXT})"
        )
        + " (`candidates.csv`, `scores.md`).  Toehold occlusion: "
        f"{m['Toehold windows']:.0f} strand windows read 5 nt of a toehold elsewhere; "
        f"the most occupied exposed toehold is {m['Occupancy max']:.1f}% held by "
        "unintended partners at the mix concentrations (mass action over every strand "
        "added alone; `scores.md` per toehold); SSTU min "
        f"{m['SSTU min']:.2f}.  BN% worst {m['BN% max']:.1f} %; equilibrium yield of "
        f"intended complexes at least {m['Yield min']:.1f} %; strongest unintended dimer "
        f"{m['Dimer dG min']:.1f} kcal/mol ({n_bad} below {thr:g}); TSI max "
        f"{m['TSI max']:.2g} %, TO max {m['TO max']:.3g} %; longest shared stretch "
        f"between branch-migration domains {m['Max-BM']:.0f} nt.",
        "",
        "Order sheet: `order.csv` (scale 25 nmol up to "
        f"{SCALE_BREAK_NT} nt, else 100 nmol; PAGE for gate strands and strands over "
        f"{PAGE_ABOVE_NT} nt; 96-well plates filled by column).  Structures: "
        "`complexes.txt`.  Mix sheet: `mix.csv` (each complex's target concentration); "
        "the lab protocol with stocks, annealing, volumes, inputs at t = 0 and reporters: "
        "`protocol.md` / `protocol.csv` (`dsdcrn.output.protocol`).",
        "",
    ]
    return lines


def _headline(b: Build) -> list[str]:
    """The report's lead: behaviour against the requested rates."""
    f, r = b.fidelity, b.realisation
    if f is None:
        return []
    how = "rates realised" if r is not None and r.realised else "rates not realised"
    return [
        f"**Kinetic fidelity: {f.max_rel_error:.1%}** largest relative error of any formal "
        f"species against the formal CRN at its *requested* rates ({how}; one formal time "
        f"unit = {f.time_unit_s:.1f} s; a run of {b.options.duration:g} tau = "
        f"{f.t_end_s / 3600:.2f} h; finite fuels; leaks reported below).",
        "",
    ]


def _kinetics_lines(b: Build) -> list[str]:
    f, o, k = b.fidelity, b.options, b.kinetics
    lines = [
        "## Kinetics",
        "",
        "The full DSD implementation (every condensed reaction, fuels finite, no leaks) "
        "against the formal CRN at its requested "
        f"rates, time-rescaled by tau = {f.time_unit_s:.1f} s per formal time unit, over "
        f"{f.t_end_s:.0f} s ({o.duration:g} formal time units).  Largest relative error "
        f"(normalised by each species' peak): **{f.max_rel_error:.1%}**.  Plot: `kinetics.png`.",
        "",
        "| species | peak nM | RMSE nM | max rel. error | vs delivered rates |"
        + (" leak fraction |" if k and k.leak_fraction else ""),
        "|---|---:|---:|---:|---:|" + ("---:|" if k and k.leak_fraction else ""),
    ]
    for s, m in f.metrics.items():
        d = f.metrics_delivered.get(s, {}).get("max_rel_error", float("nan"))
        row = f"| {s} | {m['peak_nM']:.3g} | {m['rmse_nM']:.3g} | {_pct(m['max_rel_error'])} | "
        row += f"{_pct(d)} |"
        if k and k.leak_fraction:
            row += f" {_pct(k.leak_fraction.get(s, float('nan')))} |"
        lines.append(row)
    lines += [
        "",
        "*vs delivered rates* is the diagnostic: the formal CRN at the rates the gates "
        f"deliver (largest error {f.max_rel_error_delivered:.1%}), which isolates what the "
        "gates do beyond their rate constants (delays, depletion, leaks).",
        "",
    ]
    if b.realisation is not None:
        lines += ["### Rate realisation", "", *b.realisation.markdown(o.duration), ""]
    if k is not None:
        lines += _behaviour_lines(k, f)
    return lines


def _pct(x: float) -> str:
    return f"{x:.1%}" if x == x else "n/a"


def _behaviour_lines(k, f) -> list[str]:
    lines = []
    if k.leaks:
        lines += [
            "### Leaks",
            "",
            f"{k.leaks} first-order leak reactions at {k.leak_per_s:g} /s "
            "(`dsdcrn.kinetics.leaks`; `--leak 0` turns them off).  With leaks the "
            f"largest relative error is {k.leak_max_rel_error:.1%}; the leak fraction column "
            "above is the share of each species' final value that leak adds.",
            "",
        ]
    if k.fuel is not None:
        lines += ["### Fuel budget", "", *k.fuel.markdown().splitlines(), ""]
    if k.sequence is not None:
        lines += [
            "### Prediction from the designed sequences",
            "",
            "Rate constants from the designed toeholds' in-context ΔG and "
            f"{k.occlusions} toehold-occlusion reactions from the design's unintended dimers "
            "(`dsdcrn.kinetics.sequence_rates`), simulated at the same tau: largest "
            f"relative error **{k.sequence.max_rel_error:.1%}** (domain-level rates: "
            f"{f.max_rel_error:.1%}).",
            "",
            "| species | domain-level rates | sequence rates |",
            "|---|---:|---:|",
        ]
        for s, m in f.metrics.items():
            q = k.sequence.metrics.get(s, {}).get("max_rel_error", float("nan"))
            lines.append(f"| {s} | {_pct(m['max_rel_error'])} | {_pct(q)} |")
        lines.append("")
    lines += [f"- {n}" for n in k.notes]
    return lines


#: Above this many scored pairs, ``scores.json`` keeps only the spurious dimers (a
#: Kang-Kim 2-2-1 design scores 765,527 pairs: 295 MB of rows, 33,000 of them dimers).
MAX_PAIR_ROWS = 20000


def scores_json(scores: dict[str, Any]) -> str:
    """``scores.json``: the scores as they are, except that a design with more than
    :data:`MAX_PAIR_ROWS` scored pairs keeps only the pairs of distinct strands binding
    below the dimer threshold (:func:`dsdcrn.design.scores.spurious_pairs`, what
    :func:`read_design_folder` reads back) and says how many were scored."""
    pairs = scores.get("pairs", [])
    if len(pairs) > MAX_PAIR_ROWS:
        thr = _dimer_threshold(scores)
        kept = spurious_pairs(pairs, thr)
        scores = {
            **scores,
            "pairs": kept,
            "pairs_note": f"{len(kept)} of {len(pairs)} scored pairs: those binding below "
            f"{thr:g} kcal/mol (MFE); the metrics count them all",
        }
    return json.dumps(scores, indent=2) + "\n"


def _dimer_threshold(scores: dict[str, Any]) -> float:
    """The dimer threshold (kcal/mol) a ``scores.json`` was scored with."""
    return scores.get("options", {}).get("dimer_threshold", DIMER_DG_THRESHOLD)


def read_design_folder(folder: str | Path) -> tuple[SequenceDesign, list[dict]]:
    """The domain sequences and unintended dimers of a design folder written by
    :func:`write_design` (``domains.txt`` and ``scores.json``), for the sequence-level
    kinetics (:mod:`dsdcrn.kinetics.sequence_rates`).  Only ``domains`` and the
    temperature and salt of ``parameters`` are filled in."""
    folder = Path(folder)
    try:
        lines = (folder / "domains.txt").read_text(encoding="utf-8").splitlines()
        scores = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DsdcrnError(f"{folder}: not a dsdcrn design folder ({err})") from None
    domains = {}
    for n, line in enumerate(lines, start=1):
        parts = line.split()
        if len(parts) != 2 or set(parts[1]) - set("ACGT"):
            raise DsdcrnError(f"{folder / 'domains.txt'}:{n}: expected 'name SEQUENCE'")
        domains[parts[0]] = parts[1]
    opts = scores.get("options", {})
    dimers = spurious_pairs(scores.get("pairs", []), _dimer_threshold(scores))
    params = {"temperature_C": opts.get("temperature_C", 25.0), "salt_M": opts.get("salt_M")}
    design = SequenceDesign(domains, {}, {}, {}, {}, [], [], 0, 0, parameters=params)
    return design, dimers
