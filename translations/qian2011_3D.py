"""Qian, Soloveichik & Winfree, "Efficient Turing-universal computation with DNA
polymers", DNA Computing and Molecular Programming 16, LNCS 6518:123-140 (2011),
as published.

Written from the paper for dsdcrn.  Every formal species X is a three-domain strand
``h t x_X`` (the paper's signal strands, Fig. 1): a history domain (long; which one
depends on the gate that released the strand), the toehold ``t`` shared by every
species, and a recognition domain ``x_X`` (long).

Gate of reaction i, X1 + X2 -> Y1 + Y2 (Fig. 1; the paper's bimolecular gate, here
also built with 0 to 2 reactants and 0 to 2 products).  One bottom strand, 5' to 3'::

    f_i*  t* hY2*  t* hY1*  t* x_X2*  t* x_X1*  t*

covered by the strands ``x_X1 t`` and ``x_X2 t`` (reactant covers), ``hY1 t y1`` and
``hY2 t y2`` (the products, bound by history and toehold) and ``f_i``; the 3' toehold
is open.  X1 binds it and displaces its cover, which opens the next toehold for X2;
then the fuel strands ``t hY1`` and ``t hY2`` release Y1 and Y2 in turn, and the fuel
``t f_i`` finally displaces ``f_i``, the only step that cannot be undone.  The
reactant covers are also added free, in excess, so that each binding step runs
backwards as readily as forwards (the paper's logically reversible design).

Every step before the last is reversible, so a released product can bind the
half-used gate again and run it backwards: the gate implements X1 + X2 -> Y1 + Y2
together with part of its reverse.  That is why this scheme is incorrect for
irreversible reactions (Shin, MS thesis, Caltech 2012; Johnson, Dong & Winfree,
Theor. Comput. Sci. 765:3-46, 2019); reversible pairs of reactions are correct.
``qian2011_3D_irrev`` adds an irreversible step before any product is released.

The paper gives no lengths; defaults are 6-nt toeholds and 15-nt long domains.
"""

from __future__ import annotations

NAME = "qian2011_3D"
REFERENCE = "Qian, Soloveichik & Winfree, DNA 16, LNCS 6518:123 (2011), Fig. 1 (as published)"
LENGTHS = {"toehold": 6, "long": 15}
ARITIES = {(n, m) for n in range(3) for m in range(3)} - {(0, 0)}
MAX_REACTANTS = 2
MAX_PRODUCTS = 2
RESERVED = r"r[0-9]+_.*"
KNOWN_ISSUES = (
    "the published gate is reversible up to its last step, so a released product can run "
    "a half-used gate backwards: irreversible reactions are implemented incorrectly "
    "(Shin 2012; Johnson, Dong & Winfree 2019); use qian2011_3D_irrev"
)


def signal(x: str, module) -> list[str | None]:
    """The signal strand ``h_x t x_x`` (Fig. 1)."""
    t = module.domain("t", "toehold")
    rec = module.domain(f"x_{x}", "long")
    h = module.domain(f"h_{x}", "long")
    module.complex(x, f"{h} {t} {rec}", "signal strand (Fig. 1)")
    return [None, t, rec]


def reaction(i: int, reactants: list[str], products: list[str], module) -> None:
    """The published gate of reaction ``i`` and its fuel strands (Fig. 1)."""
    gate(i, reactants, products, module, commit=False)


def gate(i: int, reactants: list[str], products: list[str], module, commit: bool) -> None:
    """Gate and fuels of reaction ``i``; ``commit`` adds an irreversible step between the
    reactants and the products (``qian2011_3D_irrev``)."""
    t = module.domain("t", "toehold")
    recs = [module.domain(f"x_{x}", "long") for x in reactants]
    hists = [module.domain(f"h_r{i}_{p}", "long") for p in range(1, len(products) + 1)]
    prods = [module.domain(f"x_{y}", "long") for y in products]
    fig = "Fig. 1" if not commit else "Fig. 1 with an irreversible commit step"
    # Bottom strand 5' -> 3', written with the covers' pairs opened here and closed below.
    opens: list[str] = []
    covers: list[str] = []  # each cover strand as a kernel fragment, innermost first
    f = module.domain(f"f_r{i}", "long")
    opens.append(f"{f}*(")
    covers.append(")")  # the strand f_i
    if commit:
        g, k = module.domain(f"g_r{i}", "long"), module.domain(f"k_r{i}", "long")
    for h, y in reversed(list(zip(hists, prods, strict=True))):
        opens += [f"{t}*(", f"{h}*("]
        covers.append(f") ) {y}")  # product strand h t y, bound by h and t
    if commit:
        opens += [f"{t}*(", f"{g}*(", f"{k}*("]
        covers.append(") )")  # the strand g_i t
        covers.append(")")  # the lock strand k_i, displaced whole by the commit strand
    for rec in reversed(recs):
        opens += [f"{t}*(", f"{rec}*("]
        covers.append(") )")  # reactant cover x t
    kernel = " ".join(opens) + f" {t}* + " + " + ".join(reversed(covers))
    module.complex(f"r{i}_gate", kernel, f"gate ({fig})")
    for k_, (x, rec) in enumerate(zip(reactants, recs, strict=True), start=1):
        module.complex(
            f"r{i}_cover{k_}", f"{rec} {t}", f"free reactant cover of {x}, reverse fuel ({fig})"
        )
    for p, h in enumerate(hists, start=1):
        module.complex(f"r{i}_out{p}", f"{t} {h}", f"fuel releasing product {p} ({fig})")
    if commit:
        module.complex(f"r{i}_commit", f"{t} {k} {g}", f"irreversible commit strand ({fig})")
    module.complex(f"r{i}_close", f"{t} {f}", f"last, irreversible fuel strand ({fig})")
