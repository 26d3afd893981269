"""Subcommands ``dsdcrn neural``, ``dsdcrn train`` and ``dsdcrn noise``.

Registered on the main parser by :func:`add_parsers`; errors are
:class:`~dsdcrn.errors.DsdcrnError` and become one-line messages in ``dsdcrn.cli.main``.
"""

from __future__ import annotations

import argparse
import sys

from dsdcrn.errors import DsdcrnError
from dsdcrn.io import check_output_folder, emit
from dsdcrn.neural import BUILDERS, build, nagipogu_reif
from dsdcrn.neural.experiment import MODELS, train_task
from dsdcrn.neural.kang_kim import UPDATES
from dsdcrn.neural.noise import noise_sweep
from dsdcrn.neural.tasks import TASKS
from dsdcrn.neural.training import PROTOCOLS
from dsdcrn.options import DSD_RATES
from dsdcrn.validate import (
    above_one,
    check_fuel_bounds,
    nonnegative_float,
    nonnegative_float_list,
    nonnegative_int,
    positive_float,
    positive_int,
    positive_int_list,
)

COUNT_DIMS = (1, 2, 4, 8, 16, 64)
UPDATES_HELP = (
    "kang-kim training reactions and back-propagated sums: sign-routed (default) or direct"
)


def _ints(text: str | tuple[int, ...], what: str) -> tuple[int, ...]:
    if isinstance(text, tuple):  # already checked by validate.positive_int_list
        return text
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise DsdcrnError(f"{what} must be comma-separated integers, got {text!r}") from None
    if not values:
        raise DsdcrnError(f"{what} is empty")
    return values


def _floats(text: str | tuple[float, ...], what: str) -> tuple[float, ...]:
    if isinstance(text, tuple):  # already checked by validate.nonnegative_float_list
        return text
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise DsdcrnError(f"{what} must be comma-separated numbers, got {text!r}") from None


def _builder_kwargs(args, dim: int) -> tuple[tuple, dict]:
    if args.builder == "nagipogu-reif":
        kwargs = dict(
            theta=args.theta,
            nonlinearity=None if args.nonlinearity == "none" else args.nonlinearity,
            gradient=None if args.gradient == "none" else args.gradient,
            train_output=args.train_output,
            seed=args.seed,
        )
        if args.h is not None:
            kwargs["h"] = args.h
        if args.lr is not None:
            kwargs["lr"] = args.lr
        return (dim,), kwargs
    if args.layers:
        layers = _ints(args.layers, "--layers")
    else:
        layers = (dim, *_ints(args.hidden, "--hidden"), args.outputs)
    kwargs = dict(seed=args.seed, updates=args.updates)
    if args.h is not None:
        kwargs["h"] = args.h
    if args.eta is not None:
        kwargs["eta"] = args.eta
    return (layers,), kwargs


def stderr_progress(msg: str) -> None:
    """Progress callback of ``train`` and ``noise``: ``msg`` on stderr, flushed."""
    print(msg, file=sys.stderr, flush=True)


def cmd_neural(args) -> None:
    if args.builder is None:
        for name, (_fn, desc) in BUILDERS.items():
            print(f"{name}: {desc}")
        return
    if args.builder not in BUILDERS:
        raise DsdcrnError(
            f"unknown neural CRN builder {args.builder!r}; choose one of {', '.join(BUILDERS)}"
        )
    if args.builder != "nagipogu-reif":  # layer sizes first: their errors name them
        for flag in ("layers", "hidden"):
            sizes = _ints(getattr(args, flag), f"--{flag}") if getattr(args, flag) else ()
            if any(n < 1 for n in sizes):
                raise DsdcrnError(f"--{flag} sizes must be >= 1, got {getattr(args, flag)}")
    if args.dim is None or args.dim < 1:
        if not (args.builder != "nagipogu-reif" and args.layers):
            raise DsdcrnError(f"--dim must be a positive integer, got {args.dim}")
    if args.counts:
        print(f"{'d':>4}  {'species':>8}  {'reactions':>9}  {'uni':>6}  {'bi':>6}  {'tri':>4}")
        for d in COUNT_DIMS:
            a, k = _builder_kwargs(args, d)
            c = build(args.builder, *a, **k).counts()
            print(
                f"{d:>4}  {c['species']:>8}  {c['reactions']:>9}  {c['unimolecular']:>6}  "
                f"{c['bimolecular']:>6}  {c['trimolecular']:>4}"
            )
        return
    a, k = _builder_kwargs(args, args.dim or 0)
    net = build(args.builder, *a, **k)
    print(net.summary(), file=sys.stderr)
    if args.builder == "nagipogu-reif":
        exp = nagipogu_reif.expected_counts(
            args.dim, k["theta"], k["nonlinearity"], k["gradient"], k["train_output"]
        )
        print(
            f"closed form: {exp['species']} species, {exp['reactions']} reactions", file=sys.stderr
        )
    emit(net.to_text(unit_nM=args.unit_nM, phase=args.phase), args.output)


def cmd_train(args) -> None:
    overrides = {}
    for key in ("eta", "T", "lr", "dim", "h", "updates", "t_sample"):
        v = getattr(args, key, None)
        if v is not None:
            overrides[key] = v
    if args.hidden is not None:
        overrides["hidden"] = _ints(args.hidden, "--hidden")
        if any(n < 1 for n in overrides["hidden"]):
            raise DsdcrnError(f"layer sizes must be >= 1, got --hidden {args.hidden}")
    if args.level == "dsd":
        _train_dsd(args, overrides)
        return
    if args.rates != "domain":
        raise DsdcrnError(f"--rates {args.rates} needs --level dsd (a formal CRN has no sequences)")
    res = train_task(
        args.task,
        args.model,
        protocol=args.protocol,
        seed=args.seed,
        epochs=args.epochs,
        n_train=args.n_train,
        rate_noise=args.rate_noise,
        conc_noise=args.conc_noise,
        max_seconds=args.max_seconds,
        progress=None if args.quiet else stderr_progress,
        **overrides,
    )
    print(f"{res.model} on {res.task} ({res.protocol}, seed {res.seed}): {res.network}")
    print(res.table())
    print(f"{res.metric} {res.final:.4f}")
    if args.output:
        out = res.write(args.output, force=args.force)
        print(f"wrote {out}/ (curve.png, curve.csv, parameters.json, result.json)", file=sys.stderr)


def _train_dsd(args, overrides: dict) -> None:
    """``train --level dsd``: the formal circuit and its DSD circuit side by side."""
    from dsdcrn.neural.dsd import train_side_by_side

    if args.protocol is not None:
        raise DsdcrnError("--protocol does not apply to --level dsd (the model's own protocol)")
    if args.rate_noise or args.conc_noise:
        raise DsdcrnError("--rate-noise and --conc-noise do not apply to --level dsd")
    options = _realise_bounds(args)
    if args.output:
        check_output_folder(args.output, args.force)
    res = train_side_by_side(
        args.task,
        args.model,
        scheme=args.scheme,
        seed=args.seed,
        n_train=args.n_train,
        epochs=args.epochs or 1,
        cache=not args.no_cache,
        volume_uL=args.volume_uL,
        stock_fold=args.stock_fold,
        replenish=args.replenish,
        leak_per_s=args.leak,
        unit_nM=args.unit_nM,
        options=options,
        rates=args.rates,
        design_seed=args.design_seed,
        max_seconds=args.max_seconds,
        progress=None if args.quiet else stderr_progress,
        **overrides,
    )
    print(f"{res.model} on {res.task}, formal CRN and DSD circuit ({res.scheme}):")
    print(res.compiled)
    if res.sequence is not None:
        from dsdcrn.neural.sequence_level import summary_text

        print(summary_text(res.sequence))
    print(res.table())
    print(
        f"test {res.metric}: formal {res.test_formal:.4g}, DSD {res.test_dsd:.4g}; "
        f"|θ_DSD − θ_formal| / |θ_formal − θ₀| = {res.gap():.3f}"
    )
    n, fuel = res.samples_per_load
    print(f"fuel: one load lasts {n:.1f} samples before {fuel} falls below half")
    if res.off_rates:
        worst = ", ".join(f"{r} ({q:.2f})" for r, q in res.off_rates[:3])
        print(f"rates at the end, delivered / requested, farthest from 1: {worst}")
    if args.output:
        out = res.write(args.output, force=args.force)
        print(
            f"wrote {out}/ (samples.csv, samples.png, protocol.csv, protocol.md, result.json)",
            file=sys.stderr,
        )


def _realise_bounds(args):
    """The realisation bounds of ``train --level dsd``: the model's own (None) unless
    ``--min-fuel-nM``, ``--max-fuel-nM`` or ``--max-total-uM`` is given."""
    from dataclasses import replace

    from dsdcrn.neural.dsd import KK_REALISE
    from dsdcrn.options import RealiseOptions

    given = {
        k: getattr(args, k)
        for k in ("min_fuel_nM", "max_fuel_nM", "max_total_uM")
        if getattr(args, k, None) is not None
    }
    if not given:
        return None
    base = KK_REALISE if args.model.startswith("kang-kim") else RealiseOptions()
    out = replace(base, **given)
    check_fuel_bounds(out.min_fuel_nM, out.max_fuel_nM)
    return out


def cmd_noise(args) -> None:
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in MODELS:
            raise DsdcrnError(f"unknown model {m!r}; choose one of {', '.join(MODELS)}")
    sigmas = _floats(args.sigmas, "--sigmas")
    sweep = noise_sweep(
        args.task,
        models,
        sigmas,
        seed=args.seed,
        repeats=args.repeats,
        epochs=args.epochs,
        jobs=args.jobs,
        max_seconds=args.max_seconds,
        progress=None if args.quiet else stderr_progress,
        updates=args.updates,
    )
    print(sweep.table())
    if args.output:
        out = sweep.write(args.output, force=args.force)
        print(f"wrote {out}/noise.json and noise.png", file=sys.stderr)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``neural``, ``train`` and ``noise`` on the main parser's subparsers."""
    add_neural_parser(sub)
    add_train_parser(sub)
    add_noise_parser(sub)


def add_neural_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``dsdcrn neural`` (build a neural CRN) and return its parser."""
    n = sub.add_parser(
        "neural",
        help="build a neural CRN (no BUILDER: list the builders)",
        description="Write a neural CRN's formal reactions (Nuskell syntax) with initial "
        "concentrations.  Builders: " + "; ".join(f"{k}: {v[1]}" for k, v in BUILDERS.items()),
    )
    n.add_argument("builder", nargs="?", help=", ".join(BUILDERS))
    n.add_argument("--dim", type=positive_int, help="input / state dimension d")
    n.add_argument("--theta", choices=nagipogu_reif.THETAS, default="diagonal")
    n.add_argument("--nonlinearity", choices=("none", "quadratic", "cubic"), default="none")
    n.add_argument("--gradient", choices=("none", "first-order", "exact"), default="first-order")
    n.add_argument("--train-output", action="store_true", help="also train output weights")
    n.add_argument(
        "--hidden",
        type=positive_int_list,
        default="5",
        help="kang-kim hidden layer sizes, e.g. 5 or 20,10",
    )
    n.add_argument("--outputs", type=positive_int, default=1, help="kang-kim output size")
    n.add_argument(
        "--layers",
        type=positive_int_list,
        help="kang-kim layer sizes, e.g. 64,20,10 (overrides --dim)",
    )
    n.add_argument(
        "--h",
        type=nonnegative_float,
        help="bias drive (nagipogu-reif) or σ smoothing (kang-kim)",
    )
    n.add_argument("--lr", type=positive_float, help="nagipogu-reif learning rate η")
    n.add_argument(
        "--eta", type=nonnegative_float, help="kang-kim training rate constant (0: frozen)"
    )
    n.add_argument("--updates", choices=UPDATES, default="routed", help=UPDATES_HELP)
    n.add_argument("--phase", default="all", help="write only this phase's reactions")
    n.add_argument("--unit-nM", type=positive_float, default=10.0, help="nM per formal unit")
    n.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the initial parameters")
    n.add_argument("--counts", action="store_true", help=f"print counts for d = {COUNT_DIMS}")
    n.add_argument("-o", "--output", help="formal CRN file (default: stdout)")
    n.set_defaults(func=cmd_neural)
    return n


def add_train_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``dsdcrn train`` (train a model on a task) and return its parser."""
    t = sub.add_parser("train", help="train a neural CRN on a task by simulating it")
    t.add_argument("task", help=", ".join(TASKS))
    t.add_argument("--model", required=True, help=", ".join(MODELS))
    t.add_argument("--protocol", choices=PROTOCOLS, help="default: the model's own")
    t.add_argument("--seed", type=nonnegative_int, default=0)
    t.add_argument(
        "--epochs", type=positive_int, help="default: per task and model (--level dsd: 1)"
    )
    t.add_argument("--n-train", type=positive_int, help="cap the training set (digits: stratified)")
    t.add_argument(
        "--hidden", type=positive_int_list, help="kang-kim hidden layer sizes, e.g. 5 or 20"
    )
    t.add_argument(
        "--eta", type=nonnegative_float, help="kang-kim training rate constant (0: frozen)"
    )
    t.add_argument("--updates", choices=UPDATES, help=UPDATES_HELP)
    t.add_argument(
        "--t-sample",
        type=positive_float,
        help="kang-kim one-pot time per sample (formal time units)",
    )
    t.add_argument("--lr", type=positive_float, help="nagipogu-reif learning rate η")
    t.add_argument("--T", type=positive_float, help="nagipogu-reif feedforward time (formal units)")
    t.add_argument("--dim", type=positive_int, help="nagipogu-reif state dimension")
    t.add_argument("--h", type=nonnegative_float, help="bias drive / σ smoothing constant")
    t.add_argument(
        "--rate-noise", type=nonnegative_float, default=0.0, help="σ of log-normal rate noise"
    )
    t.add_argument(
        "--conc-noise", type=nonnegative_float, default=0.0, help="σ of concentration noise"
    )
    t.add_argument(
        "--level",
        choices=("formal", "dsd"),
        default="formal",
        help="formal: simulate the formal CRN; dsd: also compile it (modular enumeration, "
        "rates realised per phase) and train the DSD circuit side by side (one pass)",
    )
    _add_dsd_arguments(t)
    t.add_argument("--max-seconds", type=positive_float, help="wall-time budget (s)")
    t.add_argument("-q", "--quiet", action="store_true", help="no per-epoch progress")
    t.add_argument("-o", "--output", help="folder for curve.png, parameters.json, ...")
    t.add_argument("--force", action="store_true", help="replace an earlier dsdcrn output at -o")
    t.set_defaults(func=cmd_train)
    return t


def _add_dsd_arguments(t: argparse.ArgumentParser) -> None:
    """The options of ``train --level dsd``."""
    t.add_argument("--scheme", default="soloveichik2010", help="--level dsd: translation scheme")
    t.add_argument(
        "--replenish",
        type=nonnegative_int,
        default=1,
        metavar="EVERY",
        help="--level dsd: top every fuel up every EVERY samples (0: load once)",
    )
    t.add_argument(
        "--leak",
        type=nonnegative_float,
        default=0.0,
        metavar="K",
        help="--level dsd: first-order leak of every gate, /s (default 0; 1e-6 is the "
        "literature's, see dsdcrn.kinetics.leaks)",
    )
    t.add_argument(
        "--unit-nM",
        type=positive_float,
        metavar="C",
        help="--level dsd: nM per formal unit of concentration (default 10; kang-kim 2.5)",
    )
    t.add_argument(
        "--volume-uL",
        type=positive_float,
        metavar="V",
        help="--level dsd: model the tube from V uL: each step's additions are one premix "
        "that dilutes the tube (default: no volumes)",
    )
    t.add_argument(
        "--stock-fold",
        type=above_one,  # checked before the circuit is compiled
        default=100.0,
        metavar="F",
        help="--level dsd with --volume-uL: stocks at F x the working concentrations",
    )
    t.add_argument(
        "--min-fuel-nM",
        type=positive_float,
        metavar="C",
        help="--level dsd: smallest gate or buffer concentration realisation may choose, nM "
        "(default 50; kang-kim 10)",
    )
    t.add_argument(
        "--max-fuel-nM",
        type=positive_float,
        metavar="C",
        help="--level dsd: largest concentration of one fuel complex, nM (default 2000)",
    )
    t.add_argument(
        "--max-total-uM",
        type=positive_float,
        metavar="C",
        help="--level dsd: largest total fuel concentration, µM (default 500; kang-kim 1000)",
    )
    t.add_argument(
        "--rates",
        choices=DSD_RATES,
        default="domain",
        help="--level dsd: domain: Peppercorn's length-only rates; sequence: the rates of a "
        "sequence design of the circuit (its toeholds' in-context ΔG), at the concentrations "
        "realised for domain-level rates; sequence-realised: the same rates, the "
        "concentrations realised again for them",
    )
    t.add_argument(
        "--design-seed",
        type=nonnegative_int,
        default=0,
        metavar="N",
        help="--level dsd --rates sequence[-realised]: seed of the sequence design",
    )
    t.add_argument(
        "--no-cache",
        action="store_true",
        help="--level dsd: compile afresh; by default a compiled circuit is kept in "
        "$DSDCRN_CACHE (else ~/.cache/dsdcrn) for the next run with the same code",
    )


def add_noise_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``dsdcrn noise`` (metric against noise σ) and return its parser."""
    z = sub.add_parser("noise", help="test metric against noise σ, smooth vs non-smooth")
    z.add_argument("task", help=", ".join(TASKS))
    z.add_argument("--models", default="kang-kim,kang-kim-relu")
    z.add_argument(
        "--sigmas",
        type=nonnegative_float_list,
        default="0,0.05,0.1,0.2",
        help="comma-separated noise σ, each >= 0",
    )
    z.add_argument("--repeats", type=positive_int, default=1)
    z.add_argument("--epochs", type=positive_int)
    z.add_argument("--seed", type=nonnegative_int, default=0)
    z.add_argument("--updates", choices=UPDATES, help=UPDATES_HELP)
    z.add_argument("--jobs", type=positive_int, default=1, help="runs in parallel (processes)")
    z.add_argument("--max-seconds", type=positive_float, help="wall-time budget of each run (s)")
    z.add_argument("-q", "--quiet", action="store_true")
    z.add_argument("-o", "--output", help="folder for noise.json and noise.png")
    z.add_argument("--force", action="store_true", help="replace an earlier dsdcrn output at -o")
    z.set_defaults(func=cmd_noise)
    return z
