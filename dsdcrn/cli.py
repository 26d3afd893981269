"""The ``dsdcrn`` command line: one subcommand a pipeline stage, and ``build`` for all.

Every subcommand takes a formal CRN file (default: the built-in neuron circuit).
Errors print one line, ``dsdcrn: error: ...``, and exit with status 2; outputs are
written to a temporary file and renamed, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from .circuits import DEFAULT, nagipogu_reif_neuron
from .crn import CRN, read_crn
from .errors import DsdcrnError
from .neural.commands import add_parsers as add_neural_parsers
from .verify import METHODS


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _emit(text: str, out: str | None) -> None:
    if out:
        write_text_atomic(out, text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _load(args) -> CRN:
    if args.crn is None:
        crn = nagipogu_reif_neuron(unit_nM=getattr(args, "unit_nM", 10.0))
    else:
        crn = read_crn(args.crn, args.init)
    if not crn.reactions:
        raise DsdcrnError(f"{crn.source}: no reactions")
    return crn


def _crn_args(p: argparse.ArgumentParser, scheme: bool = True) -> None:
    p.add_argument("crn", nargs="?", help=f"formal CRN file (default: built-in {DEFAULT})")
    p.add_argument("--init", help="file of initial concentrations ('A @initial 10', nM)")
    if scheme:
        p.add_argument(
            "--scheme", default="soloveichik2010", help="scheme name or path to a scheme .py"
        )
        p.add_argument("--fuel-nM", type=float, default=1000.0, help="fuel concentration, nM")


def _enum_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("enumeration bounds (peppercorn)")
    g.add_argument("--max-complexes", type=int, default=5000, help="complexes (default 5000)")
    g.add_argument("--max-reactions", type=int, default=20000, help="detailed reactions")
    g.add_argument("--max-complex-size", type=int, default=10, help="strands in one complex")
    g.add_argument("--release-cutoff", type=int, default=7, help="nt; shorter helices melt")
    g.add_argument("--allow-remote", action="store_true", help="allow remote toehold binding")
    g.add_argument("--enum-timeout", type=float, default=300.0, help="s (default 300)")
    g.add_argument(
        "--modular",
        action="store_true",
        help="enumerate one formal reaction at a time, each gate shape once (large circuits)",
    )
    g.add_argument(
        "--no-shape-cache",
        action="store_true",
        help="with --modular: enumerate every module, not each shape once (for comparison)",
    )
    g.add_argument(
        "--enum-jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="with --modular: worker processes (default: all cores)",
    )


def _design_args(p: argparse.ArgumentParser, candidates: int = 1) -> None:
    g = p.add_argument_group("sequence design")
    g.add_argument("--seed", type=int, default=0, help="seed of the sequence design")
    g.add_argument("--toehold-dG", type=float, default=7.7, help="toehold target, kcal/mol")
    g.add_argument("--toehold-dev", type=float, default=0.5, help="allowed deviation, kcal/mol")
    g.add_argument(
        "--toehold-maxspurious",
        type=float,
        default=None,
        help="stickydesign's spurious limit, fraction of the target (default 0.4, relaxed "
        "to at most 0.6 only if too few toeholds exist)",
    )
    g.add_argument(
        "--salt-M", type=float, default=None, help="Na+, M (default ViennaRNA's 1.021 M)"
    )
    g.add_argument(
        "--four-letter",
        action="store_true",
        help="use A, C, G and T in every domain (default: Piperine's A/C/T code)",
    )
    g.add_argument(
        "--candidates",
        type=int,
        default=candidates,
        help=f"candidate designs; the meta-ranked best is kept (default {candidates})",
    )
    g.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for candidates and scoring (default: all cores; same result)",
    )
    g.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="METRIC=W",
        help="meta-ranking weight (percent) of a metric, e.g. 'TSI max=40' (repeatable)",
    )


def _weights(args) -> dict[str, float] | None:
    """Default meta-ranking weights with the ``--weight`` overrides, or None."""
    if not args.weight:
        return None
    from .ranking import DEFAULT_WEIGHTS

    weights = dict(DEFAULT_WEIGHTS)
    for item in args.weight:
        name, sep, value = item.rpartition("=")
        name = name.strip()
        if not sep or name not in weights:
            raise DsdcrnError(
                f"--weight {item!r}: expected METRIC=W with METRIC one of "
                + ", ".join(sorted(weights))
            )
        try:
            weights[name] = float(value)
        except ValueError:
            raise DsdcrnError(f"--weight {item!r}: {value!r} is not a number") from None
    return weights


def _build_options(args, **extra):
    """BuildOptions from the shared design arguments (and ``extra`` fields)."""
    from .pipeline import BuildOptions

    return BuildOptions(
        seed=args.seed,
        toehold_dG=args.toehold_dG,
        toehold_dev=args.toehold_dev,
        toehold_maxspurious=args.toehold_maxspurious,
        salt_M=args.salt_M,
        three_letter=not args.four_letter,
        candidates=args.candidates,
        jobs=args.jobs,
        weights=_weights(args),
        **extra,
    )


def _kinetics_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unit-nM", type=float, default=10.0, help="formal unit concentration, nM")
    p.add_argument("--duration", type=float, default=1.0, help="formal time units to simulate")


def _enum_options(args):
    from .enumeration import EnumerationOptions

    return EnumerationOptions(
        max_complex_size=args.max_complex_size,
        max_complex_count=args.max_complexes,
        max_reaction_count=args.max_reactions,
        release_cutoff=args.release_cutoff,
        reject_remote=not args.allow_remote,
        timeout_s=args.enum_timeout,
    )


def _enumerate(args, system, progress: bool = True):
    """(Enumerated, ModularEnumeration or None) as the enumeration options ask."""
    from .enumeration import enumerate_system

    if not args.modular:
        return enumerate_system(system, _enum_options(args), progress=progress), None
    from .modular import enumerate_modular

    mod = enumerate_modular(
        system,
        _enum_options(args),
        jobs=args.enum_jobs,
        cache=not args.no_shape_cache,
        progress=progress,
    )
    return mod.enumerated, mod


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated verification methods (default {','.join(METHODS)})",
    )
    p.add_argument("--verify-timeout", type=float, default=120.0, help="s per method")


def _methods(args) -> tuple[str, ...]:
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise DsdcrnError(
            f"unknown verification method {bad[0]!r}; choose from {', '.join(METHODS)}"
        )
    return methods


def _compiled(args):
    from .translate import compile_crn

    crn = _load(args)
    return crn, compile_crn(crn, args.scheme, fuel_nM=args.fuel_nM)


def _show_rewrite(system) -> None:
    """Print the CRN rewrite (if the scheme needed one) to stderr."""
    if system.rewrite is not None:
        print(system.rewrite.to_comment(prefix="").rstrip(), file=sys.stderr)


def cmd_build(args) -> None:
    from .designfolder import write_design
    from .pipeline import build

    crn = _load(args)
    opts = _build_options(
        args,
        scheme=args.scheme,
        fuel_nM=args.fuel_nM,
        unit_nM=args.unit_nM,
        duration=args.duration,
        verify_methods=_methods(args),
        verify_timeout_s=args.verify_timeout,
        enumeration=_enum_options(args),
        modular=args.modular,
    )
    b = build(crn, opts, progress=not args.quiet)
    out = Path(args.output or Path("designs") / crn.name)
    write_design(b, out)
    v, f = b.verification, b.fidelity
    print(
        f"{crn.name}: {len(crn.reactions)} formal reactions -> {b.counts.strands} strands, "
        f"{b.counts.nucleotides} nt; verification: "
        + ", ".join(f"{r.method} {r.verdict}" for r in v.results)
        + f"; kinetics max relative error {f.max_rel_error:.1%}; design folder: {out}"
    )


def cmd_compile(args) -> None:
    crn, system = _compiled(args)
    _show_rewrite(system)
    if args.rewritten:
        text = system.rewrite.to_text() if system.rewrite is not None else crn.to_text()
        _emit(text, args.rewritten)
    if args.vdsd:
        from .visualdsd import to_visual_dsd

        _emit(to_visual_dsd(system), args.vdsd)
    _emit(system.to_pil(), args.output)


def cmd_enumerate(args) -> None:
    _, system = _compiled(args)
    _emit(_enumerate(args, system)[0].to_pil(), args.output)


def cmd_verify(args) -> None:
    from .verify import verify

    methods = _methods(args)
    crn, system = _compiled(args)
    _show_rewrite(system)
    spec = read_crn(args.spec) if args.spec else crn
    enumerated, mod = _enumerate(args, system)
    modular_ok: bool | None = True
    if mod is not None and "crn-bisimulation" in methods:
        from .modular import verify_modular

        t0 = time.perf_counter()
        verdicts = verify_modular(
            spec, mod, jobs=args.enum_jobs, timeout_s=args.verify_timeout, progress=True
        )
        answers = [v.verdict for v in verdicts]
        modular_ok = False if False in answers else None if None in answers else True
        print(
            f"modular crn-bisimulation: {modular_ok} ({len(verdicts)} modules, "
            f"{sum(not v.cached for v in verdicts)} distinct checks, "
            f"{time.perf_counter() - t0:.2f} s)"
        )
        for v in verdicts:
            if v.verdict is not True:
                print(f"  reaction {v.index}: {'; '.join(v.formal)}: {v.verdict} {v.detail}")
        if modular_ok is False and system.known_issues:
            print(f"known issue of scheme {system.scheme}: {system.known_issues}")
        methods = tuple(m for m in methods if m != "crn-bisimulation")
        if not methods:
            if modular_ok is not True:
                sys.exit(1)
            return
    v = verify(spec, enumerated, methods, args.verify_timeout)
    for r in v.results:
        line = f"{r.method}: {r.verdict} ({r.seconds:.2f} s)"
        if r.counterexample:
            line += f"; counterexample: {r.counterexample}"
        elif r.verdict is None:
            line += f"; {r.detail}"
        print(line)
    if v.known_issue_note:
        print(f"known issue of scheme {system.scheme}: {v.known_issue_note}")
    if args.output:
        _emit(json.dumps(v.to_json_dict(), indent=2) + "\n", args.output)
    if v.verdict is not True or modular_ok is not True:
        sys.exit(1)


def cmd_design(args) -> None:
    from .candidates import best_of
    from .designfolder import write_sequence_folder
    from .ordering import fasta

    if args.crn is not None and str(args.crn).endswith(".pil"):
        from .pil import read_pil

        problem = read_pil(args.crn, args.toehold_max_nt)
        pil, roles = Path(args.crn).read_text(), None
    else:
        from .pipeline import design_problem

        _, system = _compiled(args)
        problem = design_problem(system)
        pil, roles = system.to_pil(), {c.name: c.role for c in system.complexes}
    opts = _build_options(args)
    best = best_of(
        problem,
        n=opts.candidates,
        seed=opts.seed,
        jobs=opts.jobs,
        design_options=opts.design_options(),
        weights=opts.weights,
    )
    w = best.winner
    m = w.scores.metrics
    print(
        f"best of {len(best.candidates)}: candidate {w.index} (seed {w.seed}); "
        f"{len(problem.strands)} strands; BN% max {m['BN% max']:.1f}; "
        f"strongest unintended dimer {m['Dimer dG min']:.1f} kcal/mol; "
        f"toehold dG error {m['dG error']:.2f} kcal/mol",
        file=sys.stderr,
    )
    if args.output:
        out = write_sequence_folder(problem, best, args.output, pil, roles)
        print(f"wrote design folder {out}", file=sys.stderr)
    else:
        sys.stdout.write(fasta(w.design, list(problem.strands)))


def cmd_simulate(args) -> None:
    from .enumeration import enumerate_system
    from .fidelity import simulate_fidelity
    from .verify import verify

    crn, system = _compiled(args)
    enumerated = enumerate_system(system, _enum_options(args), progress=True)
    v = verify(crn, enumerated, ("crn-bisimulation",), args.verify_timeout)
    f = simulate_fidelity(
        crn, enumerated, v.full_interpretation, args.unit_nM, args.duration, plot=args.output
    )
    print(f"time unit {f.time_unit_s:.1f} s, simulated {f.t_end_s:.0f} s")
    for s, m in f.metrics.items():
        print(
            f"{s}: peak {m['peak_nM']:.3g} nM, RMSE {m['rmse_nM']:.3g} nM, "
            f"max relative error {m['max_rel_error']:.2%}"
        )


def cmd_count(args) -> None:
    from .counts import count

    _, system = _compiled(args)
    c = count(system)
    if args.json:
        print(json.dumps(c.to_json_dict(), indent=2))
    else:
        print(c.table())
        print(f"\n{c.strands} strands, {c.complexes} complexes, {c.nucleotides} nt to synthesise")


def cmd_compare(args) -> None:
    from .compare import compare_schemes, table, to_csv
    from .translate import available_schemes

    crn = _load(args)
    schemes = [x.strip() for x in args.schemes.split(",") if x.strip()]
    if schemes == ["all"]:
        schemes = available_schemes()
    methods = _methods(args)
    rows = compare_schemes(
        crn,
        schemes,
        methods=methods,
        enumeration=_enum_options(args),
        verify_timeout_s=args.verify_timeout,
        modular=args.modular,
        jobs=args.enum_jobs,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(table(rows, methods))
    if args.csv:
        _emit(to_csv(rows, methods), args.csv)


def cmd_schemes(args) -> None:
    from .rewrite import describe_arities
    from .translate import available_schemes, load_scheme

    for name in available_schemes():
        mod = load_scheme(name)
        line = f"{name}: {mod.REFERENCE}; builds {describe_arities(mod)} natively"
        if getattr(mod, "KNOWN_ISSUES", ""):
            line += " (known issues: see its docstring)"
        print(line)


def cmd_default(args) -> None:
    _emit(nagipogu_reif_neuron(unit_nM=args.unit_nM).to_text(), args.output)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit status 2), like the rest."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"dsdcrn: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="dsdcrn",
        description="Compile formal CRNs into verified, sequence-designed DSD circuits.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="run the whole pipeline and write a design folder")
    _crn_args(b)
    b.add_argument("-o", "--output", help="design folder (default designs/<crn name>)")
    _design_args(b)
    _kinetics_args(b)
    b.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    _verify_args(b)
    _enum_args(b)
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("compile", help="translate a formal CRN to a domain-level PIL")
    _crn_args(c)
    c.add_argument("-o", "--output", help="PIL file (default: stdout)")
    c.add_argument(
        "--rewritten", metavar="FILE", help="also write the CRN the scheme builds (.crn)"
    )
    c.add_argument("--vdsd", metavar="FILE", help="also write a Visual DSD file (.dna)")
    c.set_defaults(func=cmd_compile)

    e = sub.add_parser("enumerate", help="compile and enumerate with peppercorn")
    _crn_args(e)
    e.add_argument("-o", "--output", help="enumerated PIL file (default: stdout)")
    _enum_args(e)
    e.set_defaults(func=cmd_enumerate)

    v = sub.add_parser("verify", help="compile, enumerate and verify against the formal CRN")
    _crn_args(v)
    v.add_argument("--spec", help="verify against this formal CRN instead of the compiled one")
    v.add_argument("-o", "--output", help="verification JSON file")
    _verify_args(v)
    _enum_args(v)
    v.set_defaults(func=cmd_verify)

    d = sub.add_parser(
        "design",
        help="design scored, ranked sequences for a formal CRN or a domain-level .pil file",
    )
    _crn_args(d)
    _design_args(d, candidates=4)
    d.add_argument(
        "--toehold-max-nt",
        type=int,
        default=9,
        help="in a .pil input, domains of 4 to this many nt are toeholds (default 9)",
    )
    d.add_argument(
        "-o",
        "--output",
        help="design folder (sequences, order sheet, scores); default: FASTA on stdout",
    )
    d.set_defaults(func=cmd_design)

    s = sub.add_parser("simulate", help="simulate formal CRN and DSD circuit side by side")
    _crn_args(s)
    _kinetics_args(s)
    s.add_argument("--verify-timeout", type=float, default=120.0, help="s")
    s.add_argument("-o", "--output", help="PNG plot")
    _enum_args(s)
    s.set_defaults(func=cmd_simulate)

    n = sub.add_parser("count", help="strands, complexes and nucleotides of a compiled CRN")
    _crn_args(n)
    n.add_argument("--json", action="store_true")
    n.set_defaults(func=cmd_count)

    cp = sub.add_parser("compare", help="compare translation schemes on one formal CRN")
    _crn_args(cp, scheme=False)
    cp.add_argument(
        "--schemes",
        default="all",
        help="comma-separated scheme names or paths (default: all built-in schemes)",
    )
    cp.add_argument("--csv", metavar="FILE", help="also write the table as CSV")
    _verify_args(cp)
    _enum_args(cp)
    cp.set_defaults(func=cmd_compare)

    sub.add_parser("schemes", help="list the built-in translation schemes").set_defaults(
        func=cmd_schemes
    )
    df = sub.add_parser("default", help="print the built-in default circuit's formal CRN")
    df.add_argument("--unit-nM", type=float, default=10.0)
    df.add_argument("-o", "--output")
    df.set_defaults(func=cmd_default)
    add_neural_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except DsdcrnError as err:
        print(f"dsdcrn: error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("dsdcrn: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
