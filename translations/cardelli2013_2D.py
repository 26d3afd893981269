"""Cardelli, "Two-domain DNA strand displacement", Mathematical Structures in Computer
Science 23(2):247-271 (2013) (first version: DCM 2010, EPTCS 26:47-61).

Written from the paper for dsdcrn.  Every strand has at most two domains and every
gate is a double strand nicked in its top strand.  One toehold ``t`` is shared by
the whole system; a formal species X is the signal strand ``t x_X`` (its recognition
domain ``x_X`` is long).  There is no history domain: the strand a gate releases is
the very strand that was put in.

The paper builds transducers (X -> Y, its Fig. 3-5), forks (X -> Y + Z, Fig. 6),
joins (X + Y -> Z, Fig. 8-9; three-way, Fig. 10) as one **join gate** that takes
the inputs and one **output gate** that releases the products, joined by a private
translator signal ``a_i t``.  For irreversible formal reaction i,
``R1 + ... + Rn -> P1 + ... + Pm`` (n >= 1, m >= 0), with private long domains
``a_i`` and ``b_i``:

* **Join gate** (Fig. 8-10, with Fig. 15's three-domain strand): bottom strand
  ``a* t* a* b* t* x_n* ... t* x_1* t*`` covered by the two-domain strands
  ``x_1 t``, ..., ``x_n t`` and ``a t``, and by the one-domain strands ``b`` and
  ``a``; the 3' toehold ``t*`` is open.  Input R_k binds and displaces ``x_k t``
  (reversibly: that strand can bind back), which opens the toehold for R_(k+1).
  After the last input the **three-domain strand** ``t b a`` (fuel) binds, releases
  ``b`` (which has no toehold: the reaction commits here, after all inputs are in)
  and then the translator ``a t``.
* **Output gate** (Fig. 4-6): bottom strand
  ``t* a* t* x_P1* t* ... x_Pm* t* x_1*`` covered by ``t a``, the outputs ``t x_Pk``
  and the one-domain strand ``x_1``; its 5' toehold ``t*`` is open.  The translator
  binds it and releases ``t a``; the helper strands ``x_Pk t`` (fuels) release the
  outputs one after another, and finally the strand ``x_1 t`` that R1 displaced from
  the join gate binds and releases ``x_1`` (garbage collection of ``x_1 t``; no
  toehold is left, so this step is irreversible).

The paper also collects the strands ``x_k t`` that inputs 2..n displace, with gates
that two strands must bind at once (cooperative binding).  Peppercorn's model cannot
represent that (each strand alone binds only transiently), so those collectors would
never react in the enumerated system; they are left out, and those strands stay in
solution, binding back only to their own join gate.

Reversible formal reactions are two irreversible ones.  The catalyst optimisation of
Fig. 7 is not applied (a catalyst is taken in and given back like any other input
and product).  Native arities: 1 to 3 reactants (Fig. 10's three-way join is the
largest drawn) and any number of products; ``-> X`` and longer joins are rewritten
at the CRN level (:mod:`dsdcrn.compile.rewrite`).

**Which construction.**  The purely two-domain join of Fig. 8-10 commits only after
the translator ``a t`` has left (a second strand ``t a`` then releases the
one-domain ``a``); until then an output released downstream can run every gate
backwards, so ``X -> Y`` is also implemented as ``Y -> X`` and CRN bisimulation
rejects it (the variant option ``three_domain = False`` builds it,
``compile_crn(..., variant={"three_domain": False})``; ``tests/compile/test_schemes_2d.py``
shows the counterexample).  The default is the paper's own fix, Fig. 15: one
three-domain strand ``t b a`` that commits the join before the translator is
released.  Every other strand has two domains or one.

A join gate holding some of its inputs gives them back only with the strands those
inputs displaced.  CRN bisimulation checks every state, including states of such
gates without those strands, which stand for formal species yet cannot react: it
rejects ``2A -> B`` for that reason although every reachable state can finish (see
``tests/test_schemes_2d.py``); pathway decomposition finds the displaced strands of
joins untidy.

Default lengths: the paper gives none; dsdcrn uses Visual DSD's defaults (6-nt
toeholds, 20-nt recognition domains).
"""

from __future__ import annotations

NAME = "cardelli2013_2D"
REFERENCE = "Cardelli, Math. Struct. Comp. Sci. 23:247 (2013), Fig. 3-10 and 15"
LENGTHS = {"toehold": 6, "long": 20}
MAX_REACTANTS = 3
MAX_PRODUCTS = None
RESERVED = r"r[0-9]+_.*"
VARIANTS = {
    "three_domain": "True (default): Fig. 15's three-domain commit strand; "
    "False: the purely two-domain join of Fig. 8-10 (incorrect)"
}
TOEHOLD = "t"
KNOWN_ISSUES = (
    "A join gate holding some inputs gives them back only with the strands they "
    "displaced: CRN bisimulation, which checks every state, rejects a repeated "
    "reactant (2A -> B) although every reachable state can finish, and pathway "
    "decomposition finds those strands untidy."
)


def _long(x: str, module) -> str:
    return module.domain(f"x_{x}", "long")


def signal(x: str, module) -> list[str | None]:
    """The signal strand of species ``x``: ``t x_x`` (Fig. 2)."""
    t = module.domain(TOEHOLD, "toehold")
    d = _long(x, module)
    module.complex(x, f"{t} {d}", "two-domain signal strand (Fig. 2)")
    return [t, d]


def reaction(i: int, reactants: list[str], products: list[str], module) -> None:
    """Join gate, commit strand, output gate and helper strands of reaction ``i``; with
    ``module.variant["three_domain"]`` False the two-domain join of Fig. 8-10."""
    three_domain = bool(module.variant.get("three_domain", True))
    t = module.domain(TOEHOLD, "toehold")
    a = module.domain(f"a_r{i}", "long")
    ins = [_long(x, module) for x in reactants]
    outs = [_long(x, module) for x in products]

    # Join gate: tops x_1 t, ..., x_n t, [b,] a t, a; the 3' toehold t* is open.
    kernel = "".join(f"{x}( {t}( + " for x in ins)
    pairs = 2 * len(ins) + 3
    if three_domain:
        b = module.domain(f"b_r{i}", "long")
        kernel += f"{b}( + "
        pairs += 1
    kernel += f"{a}( {t}( + {a}( +" + " )" * pairs + f" {t}*"
    module.complex(f"r{i}_join", kernel, "join gate (Fig. 8-10)")
    if three_domain:
        module.complex(f"r{i}_commit", f"{t} {b} {a}", "three-domain strand (Fig. 15)")
    else:
        module.complex(f"r{i}_fuel", f"{t} {a}", "join fuel strand (Fig. 8-10)")

    # Output gate: tops x_1, t x_Pm ... t x_P1, t a; its 5' toehold t* is open.
    kernel = f"{ins[0]}( + " + "".join(f"{t}( {d}( + " for d in reversed(outs))
    kernel += f"{t}( {a}( + {t}*" + " )" * (2 * len(outs) + 3)
    module.complex(f"r{i}_output", kernel, "output gate (Fig. 4-6)")
    # Helpers release the outputs in turn; a helper another reaction (or output)
    # also uses is one fuel (dsdcrn.compile.translate).
    for k, d in enumerate(outs, start=1):
        module.complex(f"r{i}_helper{k}", f"{d} {t}", f"output helper strand {k} (Fig. 4-6)")
