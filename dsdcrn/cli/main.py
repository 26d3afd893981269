"""The ``dsdcrn`` command line: one subcommand a pipeline stage, and ``build`` for all.

Every subcommand takes a formal CRN file (default: the built-in neuron circuit).
Errors print one line, ``dsdcrn: error: ...``, and exit with status 2.  Output
locations are checked before any work (:mod:`dsdcrn.io`): an output folder that holds
files dsdcrn did not write is refused, an earlier dsdcrn output is replaced only with
``--force``, and every output is written to a temporary name and renamed, so a
failure or a signal (SIGINT, SIGTERM, SIGHUP) leaves nothing half-written.  A
verification that does not prove the circuit correct exits with status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import NoReturn

from dsdcrn import __version__
from dsdcrn.circuits import BUILTIN, DEFAULT, builtin
from dsdcrn.cli.neural import add_parsers as add_neural_parsers
from dsdcrn.errors import DsdcrnError
from dsdcrn.io import (
    Interrupted,
    check_output_file,
    claim_folder,
    emit,
    install_signal_handlers,
)
from dsdcrn.kinetics.leaks import DEFAULT_LEAK_PER_S
from dsdcrn.model.crn import CRN, read_crn
from dsdcrn.options import (
    METHODS,
    BuildOptions,
    CheckOptions,
    DesignOptions,
    EnumerationOptions,
    RealiseOptions,
)
from dsdcrn.progress import terminal_bar
from dsdcrn.validate import (
    check_fuel_bounds,
    executor_spec,
    fraction,
    int_at_least,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    species_list,
    temperature_C,
    weight_item,
)

_B, _D, _E, _C = BuildOptions(), DesignOptions(), EnumerationOptions(), CheckOptions()
_R = RealiseOptions()


def _emit(text: str, out: str | None) -> None:
    emit(text, out)


def _load(args) -> CRN:
    if args.crn is not None and getattr(args, "circuit", None):
        raise DsdcrnError("give a CRN file or --circuit, not both")
    if args.crn is None:
        crn = builtin(getattr(args, "circuit", None) or DEFAULT, getattr(args, "unit_nM", 10.0))
    else:
        crn = read_crn(args.crn, args.init)
    if not crn.reactions:
        raise DsdcrnError(f"{crn.source}: no reactions")
    return crn


def _crn_args(p: argparse.ArgumentParser, scheme: bool = True) -> None:
    p.add_argument("crn", nargs="?", help=f"formal CRN file (default: built-in {DEFAULT})")
    p.add_argument(
        "--circuit",
        choices=sorted(BUILTIN),
        help=f"a built-in circuit instead of a file (default {DEFAULT})",
    )
    p.add_argument("--init", help="file of initial concentrations ('A @initial 10', nM)")
    if scheme:
        p.add_argument("--scheme", default=_B.scheme, help="scheme name or path to a scheme .py")
        p.add_argument(
            "--fuel-nM", type=positive_float, default=_B.fuel_nM, help="fuel concentration, nM"
        )


def _enum_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("enumeration bounds (peppercorn)")
    g.add_argument(
        "--max-complexes", type=positive_int, default=_E.max_complex_count, help="complexes"
    )
    g.add_argument(
        "--max-reactions",
        type=positive_int,
        default=_E.max_reaction_count,
        help="detailed reactions",
    )
    g.add_argument(
        "--max-complex-size",
        type=positive_int,
        default=_E.max_complex_size,
        help="strands in one complex",
    )
    g.add_argument(
        "--release-cutoff",
        type=positive_int,
        default=_E.release_cutoff,
        help="nt; shorter helices melt",
    )
    g.add_argument("--allow-remote", action="store_true", help="allow remote toehold binding")
    g.add_argument("--enum-timeout", type=positive_float, default=_E.timeout_s, help="s")
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
        type=positive_int,
        default=_B.enum_jobs,
        help="with --modular: worker processes (default: all cores)",
    )
    g.add_argument(
        "--executor",
        type=executor_spec,
        default="processes",
        help="with --modular: where the jobs run: processes (default), dask (a local "
        "cluster of --enum-jobs workers) or dask://HOST:PORT (a running scheduler)",
    )


def _design_flags(g: argparse._ArgumentGroup) -> None:
    """The on/off settings of the sequence design."""
    g.add_argument(
        "--four-letter",
        action="store_true",
        help="use A, C, G and T in every domain (default: Piperine's A/C/T code)",
    )
    g.add_argument(
        "--hard-toehold-windows",
        action="store_true",
        help="no design change may add a 5-nt window reading a toehold elsewhere "
        "(default: penalised and removed where the other constraints allow)",
    )
    g.add_argument(
        "--share-toeholds",
        action="store_true",
        help="too few toeholds for a large circuit: domains that never meet in a strand or "
        "complex share sequences (the scores count the occlusion this adds)",
    )


def _design_args(p: argparse.ArgumentParser, candidates: int = _B.candidates) -> None:
    g = p.add_argument_group("sequence design")
    g.add_argument(
        "--seed", type=nonnegative_int, default=_B.seed, help="seed of the sequence design"
    )
    g.add_argument(
        "--toehold-dG",
        type=positive_float,
        default=_D.toehold_dG,
        help="toehold target: in-context ViennaRNA ΔG magnitude at the scheme's toehold "
        "length, kcal/mol (default: Peppercorn's energy of each length, 8.3 for 6 nt)",
    )
    g.add_argument(
        "--toehold-dev",
        type=positive_float,
        default=_D.toehold_dev,
        help="allowed deviation, kcal/mol",
    )
    g.add_argument(
        "--toehold-maxspurious",
        type=fraction,
        default=_D.toehold_maxspurious,
        help="stickydesign's spurious limit, fraction of the target (default 0.4, relaxed "
        "to at most 0.6 only if too few toeholds exist)",
    )
    g.add_argument(
        "--salt-M",
        type=positive_float,
        default=_D.salt_M,
        help="Na+, M (default ViennaRNA's 1.021 M)",
    )
    g.add_argument(
        "--temperature-C",
        type=temperature_C,
        default=_D.temperature_C,
        help="temperature of the sequence design and its checks, °C (default 25)",
    )
    g.add_argument(
        "--mg-mM",
        type=nonnegative_float,
        default=_D.mg_mM,
        help="Mg2+, mM, as a Na+ equivalent (+0.12 sqrt(mM) M; default 0)",
    )
    _design_flags(g)
    _readout_args(g)
    g.add_argument(
        "--candidates",
        type=positive_int,
        default=candidates,
        help=f"candidate designs; the meta-ranked best is kept (default {candidates})",
    )
    g.add_argument(
        "--jobs",
        type=positive_int,
        default=_B.jobs,
        help="processes for candidates and scoring (default: all cores; same result)",
    )
    g.add_argument(
        "--weight",
        action="append",
        type=weight_item,
        default=[],
        metavar="METRIC=W",
        help="meta-ranking weight (percent) of a metric, e.g. 'TSI max=40' (repeatable)",
    )


def _readout_args(g: argparse._ArgumentGroup) -> None:
    """The read-out reporters' arguments (designed with the circuit)."""
    g.add_argument(
        "--read-out",
        type=species_list,
        default=None,
        metavar="SPECIES",
        help="formal species to read out, comma-separated, each with a fluorophore-"
        "quencher reporter designed with the circuit (default: the species it produces "
        "and consumes only by decay; 'none': no reporter)",
    )
    g.add_argument(
        "--reporter-nM",
        type=positive_float,
        default=_B.reporter_nM,
        help="each reporter's concentration in the mix, nM",
    )


def _weights(args) -> dict[str, float] | None:
    """Default meta-ranking weights with the ``--weight`` overrides, or None."""
    if not args.weight:
        return None
    from dsdcrn.design.ranking import DEFAULT_WEIGHTS

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


def _build_options(args, **extra) -> BuildOptions:
    """BuildOptions from the shared design arguments (and ``extra`` fields)."""
    design = DesignOptions(
        toehold_dG=args.toehold_dG,
        toehold_dev=args.toehold_dev,
        toehold_maxspurious=args.toehold_maxspurious,
        salt_M=args.salt_M,
        mg_mM=args.mg_mM,
        temperature_C=args.temperature_C,
        three_letter=not args.four_letter,
        hard_toehold_windows=args.hard_toehold_windows,
        share_toeholds=args.share_toeholds,
    )
    return BuildOptions(
        seed=args.seed,
        design=design,
        candidates=args.candidates,
        jobs=args.jobs,
        weights=_weights(args),
        readout=args.read_out,
        reporter_nM=args.reporter_nM,
        **extra,
    )


def _kinetics_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--unit-nM", type=positive_float, default=_B.unit_nM, help="formal unit concentration, nM"
    )
    p.add_argument(
        "--duration", type=positive_float, default=_B.duration, help="formal time units to simulate"
    )
    p.add_argument(
        "--no-realise",
        action="store_true",
        help="keep the scheme's toeholds and the uniform fuel concentration (no rate realisation)",
    )
    p.add_argument(
        "--max-rate",
        type=positive_float,
        default=_R.max_rate_per_M_s,
        help="largest delivered bimolecular rate constant, /M/s",
    )
    p.add_argument(
        "--min-fuel-nM",
        type=positive_float,
        default=_R.min_fuel_nM,
        help="smallest gate or buffer concentration realisation may choose, nM",
    )
    p.add_argument(
        "--max-fuel-nM",
        type=positive_float,
        default=_R.max_fuel_nM,
        help="largest concentration of one fuel complex, nM",
    )
    p.add_argument(
        "--max-total-uM",
        type=positive_float,
        default=_R.max_total_uM,
        help="largest total fuel concentration, µM",
    )
    p.add_argument(
        "--toehold-nt",
        nargs=2,
        type=positive_int,
        default=(_R.min_toehold_nt, _R.max_toehold_nt),
        metavar=("MIN", "MAX"),
        help="toehold lengths realisation may give a species, nt (default "
        f"{_R.min_toehold_nt} {_R.max_toehold_nt})",
    )
    p.add_argument(
        "--leak",
        type=nonnegative_float,
        default=DEFAULT_LEAK_PER_S,
        metavar="K",
        help=f"first-order leak of every gate, /s (default {DEFAULT_LEAK_PER_S:g}; 0: none)",
    )


def _realise_options(args) -> RealiseOptions:
    check_fuel_bounds(args.min_fuel_nM, args.max_fuel_nM)
    lo, hi = args.toehold_nt
    if lo > hi:
        raise DsdcrnError(f"--toehold-nt: the shortest ({lo}) is above the longest ({hi})")
    cutoff = getattr(args, "release_cutoff", None)
    if cutoff is not None and hi > cutoff:
        raise DsdcrnError(
            f"--toehold-nt: a {hi}-nt toehold would never melt off (--release-cutoff {cutoff} nt)"
        )
    return RealiseOptions(
        max_rate_per_M_s=args.max_rate,
        min_fuel_nM=args.min_fuel_nM,
        max_fuel_nM=args.max_fuel_nM,
        max_total_uM=args.max_total_uM,
        min_toehold_nt=lo,
        max_toehold_nt=hi,
    )


def _enum_options(args) -> EnumerationOptions:
    return EnumerationOptions(
        max_complex_size=args.max_complex_size,
        max_complex_count=args.max_complexes,
        max_reaction_count=args.max_reactions,
        release_cutoff=args.release_cutoff,
        reject_remote=not args.allow_remote,
        timeout_s=args.enum_timeout,
    )


def _check_options(args) -> CheckOptions:
    """The enumeration and verification settings (:class:`dsdcrn.options.CheckOptions`)."""
    return CheckOptions(
        enumeration=_enum_options(args),
        methods=_methods(args) if hasattr(args, "methods") else ("crn-bisimulation",),
        timeout_s=getattr(args, "verify_timeout", _C.timeout_s),
        modular=args.modular,
        jobs=args.enum_jobs,
        shape_cache=not args.no_shape_cache,
        executor=args.executor,
    )


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated verification methods (default {','.join(METHODS)})",
    )
    p.add_argument(
        "--verify-timeout", type=positive_float, default=_C.timeout_s, help="s per method"
    )


def _methods(args) -> tuple[str, ...]:
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise DsdcrnError(
            f"unknown verification method {bad[0]!r}; choose from {', '.join(METHODS)}"
        )
    return methods


def _compiled(args):
    from dsdcrn.compile.translate import compile_crn

    crn = _load(args)
    return crn, compile_crn(crn, args.scheme, fuel_nM=args.fuel_nM)


def _show_rewrite(system) -> None:
    """Print the CRN rewrite (if the scheme needed one) to stderr."""
    if system.rewrite is not None:
        print(system.rewrite.to_comment(prefix="").rstrip(), file=sys.stderr)


def _command_line(args) -> str:
    """The build command as typed (``dsdcrn`` and its arguments, shell-quoted), with
    ``--force`` added so that it replaces the folder it made."""
    import shlex

    argv = [a for a in sys.argv[1:] if a != "--force"]
    return shlex.join(["dsdcrn", *argv, "--force"])


def cmd_build(args) -> None:
    from dsdcrn.output.designfolder import write_design
    from dsdcrn.pipeline import build

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
        enum_jobs=args.enum_jobs,
        shape_cache=not args.no_shape_cache,
        executor=args.executor,
        order_anyway=args.order_anyway,
        realise=not args.no_realise,
        realisation=_realise_options(args),
        leak_per_s=args.leak,
        sequence_rates=not args.no_sequence_rates,
    )
    b = build(crn, opts, progress=not args.quiet, on_progress=terminal_bar())
    out = write_design(b, args.output, force=args.force, command=_command_line(args))
    v, f = b.verification, b.fidelity
    line = (
        f"{crn.name}: {len(crn.reactions)} formal reactions -> {b.counts.strands} strands, "
        f"{b.counts.nucleotides} nt; verification: "
        + ", ".join(f"{r.method} {r.verdict}" for r in v.results)
    )
    if f is not None:
        line += (
            f"; kinetics at the requested rates (tau {f.time_unit_s:.1f} s): max relative "
            f"error {f.max_rel_error:.1%}"
        )
    print(line + f"; design folder: {out}")
    if not b.verified:
        print(
            f"dsdcrn: verification did not prove the circuit correct; see {out}/report.md"
            + ("" if b.best is not None else " (no order sheet written; --order-anyway)"),
            file=sys.stderr,
        )
        sys.exit(1)


def cmd_compile(args) -> None:
    crn, system = _compiled(args)
    _show_rewrite(system)
    if args.rewritten:
        text = system.rewrite.to_text() if system.rewrite is not None else crn.to_text()
        _emit(text, args.rewritten)
    if args.vdsd:
        from dsdcrn.compile.visualdsd import to_visual_dsd

        _emit(to_visual_dsd(system), args.vdsd)
    _emit(system.to_pil(), args.output)


def cmd_enumerate(args) -> None:
    from dsdcrn.stages import enumerate_checked

    _, system = _compiled(args)
    opts = _check_options(args)
    opts.module_copies = not args.no_variant_copies  # the full listing by default
    opts.lump_variants = False
    _emit(enumerate_checked(system, opts, True, terminal_bar())[0].to_pil(), args.output)


def cmd_verify(args) -> None:
    from dsdcrn.stages import enumerate_and_verify

    opts = _check_options(args)
    crn, system = _compiled(args)
    _show_rewrite(system)
    spec = read_crn(args.spec) if args.spec else crn
    checked = enumerate_and_verify(
        crn, system, opts, spec=spec, progress=True, on_progress=terminal_bar()
    )
    v = checked.verification
    for r in v.results:
        line = f"{r.method}: {r.verdict} ({r.seconds:.2f} s)"
        if r.counterexample:
            line += f"; counterexample: {r.counterexample}"
        elif r.verdict is None or checked.modular is not None:
            line += f"; {r.detail}"
        print(line)
    if v.known_issue_note:
        print(f"known issue of scheme {system.scheme}: {v.known_issue_note}")
    if args.output:
        _emit(json.dumps(v.to_json_dict(), indent=2) + "\n", args.output)
    if v.verdict is not True or any(r.verdict is False for r in v.results):
        sys.exit(1)


def cmd_design(args) -> None:
    from dsdcrn.design.candidates import best_of, spec_summary
    from dsdcrn.design.ordering import fasta
    from dsdcrn.output.designfolder import write_sequence_folder

    if args.crn is not None and str(args.crn).endswith(".pil"):
        from dsdcrn.design.pil import read_pil
        from dsdcrn.validate import read_text_file

        if args.read_out:
            raise DsdcrnError(f"{args.crn}: --read-out needs a formal CRN (a PIL has no species)")
        problem = read_pil(args.crn, args.toehold_max_nt)
        pil, roles = read_text_file(args.crn, "PIL"), None
    else:
        from dsdcrn.pipeline import design_problem, roles_of

        _, system = _compiled(args)
        problem = design_problem(system, args.read_out, args.reporter_nM)
        pil, roles = system.to_pil(), roles_of(system, problem)
    opts = _build_options(args)
    best = best_of(
        problem,
        n=opts.candidates,
        seed=opts.seed,
        jobs=opts.jobs,
        design_options=opts.design,
        weights=opts.weights,
        progress=terminal_bar(),
    )
    w = best.winner
    m = w.scores.metrics
    print(
        f"best of {len(best.candidates)}: candidate {w.index} (seed {w.seed}); "
        f"{len(problem.strands)} strands; BN% max {m['BN% max']:.1f}; "
        f"strongest unintended dimer {m['Dimer dG min']:.1f} kcal/mol; "
        f"toehold in-context dG off target by at most {m['dG dev max']:.2f} kcal/mol; "
        f"toehold occupancy max {m['Occupancy max']:.1f}%; SSTU min {m['SSTU min']:.2f}",
        file=sys.stderr,
    )
    print(spec_summary(w.scores, opts.design).replace("**", ""), file=sys.stderr)
    if args.output:
        out = write_sequence_folder(problem, best, args.output, pil, roles, force=args.force)
        print(f"wrote design folder {out}", file=sys.stderr)
    else:
        sys.stdout.write(fasta(w.design, list(problem.strands)))


def _realised_for_simulation(args, crn: CRN):
    """Compile, enumerate, verify and realise ``crn`` as ``simulate`` asks (the build's
    own stages); return the realisation, the realised enumeration, the interpretation
    and how it was enumerated."""
    from dsdcrn.pipeline import compile_realisable, realise_checked
    from dsdcrn.stages import enumerate_and_verify

    bopts = BuildOptions(
        scheme=args.scheme,
        fuel_nM=args.fuel_nM,
        unit_nM=args.unit_nM,
        realise=not args.no_realise,
        realisation=_realise_options(args),
    )
    system = compile_realisable(crn, bopts)
    opts = _check_options(args)
    opts.module_copies = True  # the kinetics need every species interpreted
    checked = enumerate_and_verify(crn, system, opts, progress=True, on_progress=terminal_bar())
    v = checked.verification
    if v.verdict is not True:
        raise DsdcrnError(
            f"{crn.source}: CRN bisimulation did not prove the circuit correct "
            f"({v.results[0].counterexample or v.results[0].detail}); nothing to simulate"
        )
    inter, e = v.full_interpretation, checked.enumerated
    real = realise_checked(crn, system, e, inter, bopts)
    return real, real.apply(e), inter, opts


def _sequences_for_simulation(args, e) -> tuple:
    """The design (and its unintended dimers) ``--rates sequence`` simulates with."""
    if args.rates == "domain":
        return None, None
    from dsdcrn.output.designfolder import read_design_folder

    if not args.design:
        raise DsdcrnError("--rates sequence needs --design FOLDER (a dsdcrn design folder)")
    design, dimers = read_design_folder(args.design)
    for name, d in e.system.domains.items():
        if name not in design.domains or len(design.domains[name]) != d.length:
            raise DsdcrnError(
                f"{args.design}: domain {name!r} ({d.length} nt) is missing or has another "
                "length there; design the same CRN, scheme and realisation"
            )
    return design, dimers


def cmd_simulate(args) -> None:
    from dsdcrn.kinetics.fidelity import write_plot
    from dsdcrn.kinetics.run import KineticsOptions, simulate_kinetics

    crn = _load(args)
    real, e, inter, checks = _realised_for_simulation(args, crn)
    design, dimers = _sequences_for_simulation(args, e)
    kopts = KineticsOptions(args.unit_nM, args.duration, real.tau_s, args.leak)
    f, k = simulate_kinetics(crn, e, inter, kopts, design=design, dimers=dimers, checks=checks)
    if design is not None and k.sequence is None:  # asked for: no prediction is an error
        raise DsdcrnError(f"{args.design}: {k.notes[-1]}")
    shown = k.sequence if design is not None else f
    if args.output:
        write_plot(shown, args.output, f"{crn.name}: formal CRN vs DSD ({args.rates} rates)")
    print("\n".join(real.markdown(args.duration)))
    print(
        f"\nsimulated {f.t_end_s:.0f} s against the formal CRN at the requested rates "
        f"({args.rates}-level rates)"
    )
    for s, m in shown.metrics.items():
        leak = k.leak_fraction.get(s)
        print(
            f"{s}: peak {m['peak_nM']:.3g} nM, RMSE {m['rmse_nM']:.3g} nM, "
            f"max relative error {m['max_rel_error']:.2%}"
            + (f", leak fraction {leak:.2%}" if leak is not None and leak == leak else "")
        )
    if design is not None:
        print(f"domain-level rates: max relative error {f.max_rel_error:.2%}")
    if k.fuel is not None:
        print(k.fuel.markdown().splitlines()[0])
    if args.sbml:
        from dsdcrn.kinetics.sbml import write_sbml

        init = {x.name: x.concentration_nM for x in e.species.values() if x.concentration_nM}
        path = write_sbml(args.sbml, list(e.reactions), init, crn.name)
        print(f"wrote {path} (SBML L3V2, nM and s; leaks not included)", file=sys.stderr)


def cmd_count(args) -> None:
    from dsdcrn.compile.counts import count

    _, system = _compiled(args)
    c = count(system)
    if args.json:
        print(json.dumps(c.to_json_dict(), indent=2))
    else:
        print(c.table())
        print(f"\n{c.strands} strands, {c.complexes} complexes, {c.nucleotides} nt to synthesise")


def cmd_compare(args) -> None:
    from dsdcrn.compare import compare_schemes, table, to_csv
    from dsdcrn.compile.translate import available_schemes, load_scheme

    crn = _load(args)
    schemes = [x.strip() for x in args.schemes.split(",") if x.strip()]
    if schemes == ["all"]:
        schemes = available_schemes()
    for name in schemes:
        load_scheme(name)  # an unknown scheme ends the command here, before any work
    opts = _check_options(args)
    rows = compare_schemes(
        crn, schemes, opts, progress=lambda line: print(line, file=sys.stderr, flush=True)
    )
    print(table(rows, opts.methods))
    if args.csv:
        _emit(to_csv(rows, opts.methods), args.csv)


def cmd_schemes(args) -> None:
    from dsdcrn.compile.rewrite import describe_arities
    from dsdcrn.compile.translate import available_schemes, load_scheme

    for name in available_schemes():
        mod = load_scheme(name)
        line = f"{name}: {mod.REFERENCE}; builds {describe_arities(mod)} natively"
        if getattr(mod, "KNOWN_ISSUES", ""):
            line += " (known issues: see its docstring)"
        print(line)


def cmd_default(args) -> None:
    _emit(builtin(args.circuit or DEFAULT, args.unit_nM).to_text(), args.output)


def _force_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier dsdcrn output folder at -o (never a folder holding other files)",
    )


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit status 2), like the rest."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"dsdcrn: error: {message} (see {self.prog} --help)\n")


def _add_build(sub) -> None:
    b = sub.add_parser("build", help="run the whole pipeline and write a design folder")
    _crn_args(b)
    b.add_argument("-o", "--output", help="design folder (default designs/<crn name>)")
    _force_arg(b)
    b.add_argument(
        "--order-anyway",
        action="store_true",
        help="design sequences and write the order sheet even when verification does not "
        "prove the circuit correct",
    )
    b.add_argument(
        "--no-sequence-rates",
        action="store_true",
        help="skip the kinetics predicted from the designed sequences (a second Peppercorn "
        "run, about 15%% of the build)",
    )
    _design_args(b)
    _kinetics_args(b)
    b.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    _verify_args(b)
    _enum_args(b)
    b.set_defaults(func=cmd_build)


def _add_stages(sub) -> None:
    """``compile``, ``enumerate``, ``verify``, ``simulate`` and ``count``."""
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
    e.add_argument(
        "--no-variant-copies",
        action="store_true",
        help="with --modular: list each module as enumerated, without the renamed copy of "
        "it for every history variant of its inputs (what verification checks; the "
        "copies grow with variants x consumers)",
    )
    _enum_args(e)
    e.set_defaults(func=cmd_enumerate)

    v = sub.add_parser("verify", help="compile, enumerate and verify against the formal CRN")
    _crn_args(v)
    v.add_argument("--spec", help="verify against this formal CRN instead of the compiled one")
    v.add_argument("-o", "--output", help="verification JSON file")
    _verify_args(v)
    _enum_args(v)
    v.set_defaults(func=cmd_verify)

    s = sub.add_parser("simulate", help="simulate formal CRN and DSD circuit side by side")
    _crn_args(s)
    _kinetics_args(s)
    s.add_argument("--verify-timeout", type=positive_float, default=_C.timeout_s, help="s")
    s.add_argument("-o", "--output", help="PNG plot")
    s.add_argument(
        "--sbml", metavar="FILE", help="also write the realised implementation CRN as SBML (nM, s)"
    )
    s.add_argument(
        "--rates",
        choices=("domain", "sequence"),
        default="domain",
        help="domain: Peppercorn's length-only rates; sequence: rates from the designed "
        "toeholds' ΔG plus toehold-occlusion reactions (needs --design)",
    )
    s.add_argument("--design", metavar="FOLDER", help="design folder for --rates sequence")
    _enum_args(s)
    s.set_defaults(func=cmd_simulate)

    n = sub.add_parser("count", help="strands, complexes and nucleotides of a compiled CRN")
    _crn_args(n)
    n.add_argument("--json", action="store_true")
    n.set_defaults(func=cmd_count)


def _add_design(sub) -> None:
    d = sub.add_parser(
        "design",
        help="design scored, ranked sequences for a formal CRN or a domain-level .pil file",
    )
    _crn_args(d)
    _design_args(d, candidates=4)
    d.add_argument(
        "--toehold-max-nt",
        type=int_at_least(4),
        default=9,
        help="in a .pil input, domains of 4 to this many nt are toeholds (default 9)",
    )
    d.add_argument(
        "-o",
        "--output",
        help="design folder (sequences, order sheet, scores); default: FASTA on stdout",
    )
    _force_arg(d)
    d.set_defaults(func=cmd_design)


def _add_tools(sub) -> None:
    """``compare``, ``schemes`` and ``default``."""
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
    df.add_argument("--unit-nM", type=positive_float, default=_B.unit_nM, help="nM per formal unit")
    df.add_argument("--circuit", choices=sorted(BUILTIN), help=f"default {DEFAULT}")
    df.add_argument("-o", "--output")
    df.set_defaults(func=cmd_default)


def parser() -> argparse.ArgumentParser:
    """The ``dsdcrn`` argument parser, every subcommand included."""
    p = _Parser(
        prog="dsdcrn",
        description="Compile formal CRNs into verified, sequence-designed DSD circuits.",
    )
    p.add_argument("--version", action="version", version=f"dsdcrn {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debugging detail on stderr")
    p.add_argument(
        "-q", "--quiet", dest="quiet_all", action="store_true", help="no progress on stderr"
    )
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_build, _add_stages, _add_design, _add_tools, add_neural_parsers):
        add(sub)
    return p


#: subcommands whose ``-o`` is a folder; the others write files
FOLDER_COMMANDS = ("build", "design", "train", "noise")


def _output_claim(args) -> contextlib.AbstractContextManager:
    """Check every output location before any work; for an output folder, claim it
    (:func:`dsdcrn.io.claim_folder`) for the whole run."""
    if args.command == "build" and not args.output:
        name = Path(args.crn).stem if args.crn else (getattr(args, "circuit", None) or DEFAULT)
        args.output = str(Path("designs") / name)
    if args.command in FOLDER_COMMANDS:
        if not getattr(args, "output", None):
            return contextlib.nullcontext()
        return claim_folder(args.output, force=getattr(args, "force", False))
    inputs = tuple(getattr(args, k, None) for k in ("crn", "init", "spec"))
    for key in ("output", "rewritten", "vdsd", "csv", "sbml"):
        if getattr(args, key, None):
            check_output_file(getattr(args, key), inputs)
    return contextlib.nullcontext()


class _StderrHandler(logging.Handler):
    """Writes each record to whatever ``sys.stderr`` is at the time."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr, flush=True)
        except Exception:  # logging must never raise
            self.handleError(record)


def _configure_logging(args) -> None:
    """Progress (INFO) on stderr; ``-q`` shows warnings only, ``-v`` debugging detail."""
    logger = logging.getLogger("dsdcrn")
    for h in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    quiet = args.quiet_all or getattr(args, "quiet", False)
    logger.setLevel(logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    _configure_logging(args)
    install_signal_handlers()
    try:
        with _output_claim(args):
            args.func(args)
    except DsdcrnError as err:
        print(f"dsdcrn: error: {err}", file=sys.stderr)
        sys.exit(2)
    except Interrupted as err:
        print(f"dsdcrn: stopped by {err}; no partial output left", file=sys.stderr)
        sys.exit(128 + err.signum)
    except KeyboardInterrupt:
        print("dsdcrn: interrupted; no partial output left", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
