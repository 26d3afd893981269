"""Soloveichik, Seelig & Winfree, "DNA as a universal substrate for chemical kinetics",
PNAS 107:5393-5398 (2010).

Written from the paper for dsdcrn.  Every formal species X is a single strand of
four domains (paper Fig. 2, "X1 = <? 1 2 3>"): a history domain ``?`` (long; which
one depends on the gate that released the strand and does not matter downstream),
a toehold ``a_X``, a recognition domain ``b_X`` (long) and a second short domain
``c_X``.

Templates, each named for the paper's complex it implements:

* **Unimolecular gate G_i** (Fig. 2A, X -> ...): top strand ``b_X c_X d_i`` on a
  bottom strand ``c_X* b_X* a_X*``.  X binds toehold ``a_X*`` and displaces the
  whole top strand, which leaves as the intermediate O_i (irreversible: no toehold
  holds it).
* **Join gate L_i with buffer B_i** (Fig. 2B, X + Y -> ...): bottom strand
  ``c_Y* b_Y* a_Y* c_X* b_X* a_X*`` covered by ``B_i = b_X c_X a_Y`` and
  ``O_i = b_Y c_Y d_i``.  X displaces B_i reversibly (B_i is also added free, in
  excess, as the paper's buffer that makes the two-step join bimolecular in
  effect); this exposes ``a_Y*``, and Y then releases O_i irreversibly.
* **Translator / fork T_i** (Fig. 2A/B, O_i -> P_1 + ... + P_n): O_i binds the
  exposed toehold ``c_Y*`` (``c_X*`` for a unimolecular gate) and migrates along
  ``d_i*``; this releases product P_1 = ``d_i a_1 b_1 c_1`` (history ``d_i``).  Each
  further product P_k = ``e_i_(k-1) a_k b_k c_k`` is released by helper strand
  ``H_i_(k-1) = a_(k-1) e_i_(k-1)``; the last helper ``a_n e_i_n`` strips the cap
  strand ``e_i_n``, which makes the cascade irreversible.  A reaction with no products
  has no translator: O_i (then ``b_Y c_Y``) is waste.

Default lengths follow the paper's regime: 6-nt toeholds, 15-nt long domains.

Rate knobs (:mod:`dsdcrn.kinetics.realise`): the paper sets each reaction's rate by its
gate's toehold strength q_i and the gate and buffer concentrations.  Here a bimolecular
reaction's rate is set by its buffer B_i (more buffer holds the join gate's first step
back) and, past the buffer's bounds, by its join gate L_i; a unimolecular one's by its
gate G_i's concentration.  A species' toehold ``a_X`` may be made shorter or longer
than 6 nt so that all of its gates can reach their rates, and a join gate may take
either reactant first (the realisation's plan).  Translators and helpers act
after the reaction has committed: they go to the highest allowed concentration, which
shortens the delay before the products appear.  The translator releases
products with the longest toeholds first, so the shortest toehold is the last
helper's (the cap strip, after every product is out) and a short one delays only the
products after it.
"""

from __future__ import annotations

NAME = "soloveichik2010"
REFERENCE = "Soloveichik, Seelig & Winfree, PNAS 107:5393 (2010)"
LENGTHS = {"toehold": 6, "long": 15}
MAX_REACTANTS = 2
MAX_PRODUCTS = None
RESERVED = r"r[0-9]+_.*"
#: The complex whose concentration sets each kind of reaction's rate, by name pattern,
#: and the domains that may be shortened: see :mod:`dsdcrn.kinetics.realise`.
RATE_KNOBS = {
    # in order of preference: the buffer first (the join gate is used up as it fires)
    "bimolecular": (("r{i}_buffer", "slower with more"), ("r{i}_join", "faster with more")),
    "unimolecular": (("r{i}_gate", "faster with more"),),
    "toehold": "a_{x}",
    # steps after the reaction has committed: at the highest concentration, least delay
    "latency": ("r{i}_fork", "r{i}_helper"),
}


def _species(x: str, module) -> tuple[str, str, str]:
    return (
        module.domain(f"a_{x}", "toehold"),
        module.domain(f"b_{x}", "long"),
        module.domain(f"c_{x}", "toehold"),
    )


def signal(x: str, module) -> list[str | None]:
    """The signal strand of species ``x``: ``h_x a_x b_x c_x`` (Fig. 2, ``<? 1 2 3>``)."""
    a, b, c = _species(x, module)
    h = module.domain(f"h_{x}", "long")
    module.complex(x, f"{h} {a} {b} {c}", "signal strand (Fig. 2)")
    return [None, a, b, c]


def reaction(i: int, reactants: list[str], products: list[str], module) -> None:
    """Gates, buffer, translator and helpers of reaction ``i`` (Fig. 2A/B)."""
    last = reactants[-1]
    _, b_y, c_y = _species(last, module)
    d = module.domain(f"d_r{i}", "long") if products else None
    tail = f"{d} " if d else ""  # O_i's tail, the translator's migration domain
    if len(reactants) == 1:
        module.complex(
            f"r{i}_gate",
            f"{b_y}( {c_y}( {tail}+ ) ) a_{last}*",
            "unimolecular gate G_i (Fig. 2A)",
        )
    else:
        a_x, b_x, c_x = _species(reactants[0], module)
        module.complex(
            f"r{i}_join",
            f"{b_x}( {c_x}( a_{last}( + {b_y}( {c_y}( {tail}+ ) ) ) ) ) {a_x}*",
            "join gate L_i (Fig. 2B)",
        )
        module.complex(f"r{i}_buffer", f"{b_x} {c_x} a_{last}", "buffer strand B_i (Fig. 2B)")
    if not products:
        return
    # Translator: O_i enters at c_Y*, migrates along d_i*, then products are released in
    # turn, longest toehold first (stable), since each release waits for a helper that
    # binds the previous product's toehold.
    products = sorted(products, key=lambda p: -module.length(f"a_{p}", "toehold"))
    kernel = ""
    closers = ""
    history = d
    for k, p in enumerate(products, start=1):
        a_p, b_p, c_p = _species(p, module)
        e = module.domain(f"e_r{i}_{k}", "long")
        kernel += f"{history}( {a_p}( {b_p} {c_p} + "
        closers = ") ) " + closers
        module.complex(f"r{i}_helper{k}", f"{a_p} {e}", f"translator helper (Fig. 2, T_i), {k}")
        history = e
    kernel += f"{history}( + ) " + closers + f"{c_y}*"
    module.complex(f"r{i}_fork", kernel, "translator / fork gate T_i (Fig. 2)")
