"""Cardelli, "Strand algebras for DNA computing", Natural Computing 10:407-428 (2011)
(first version: DNA15, LNCS 5877, 2009): the n x m join/fork gate.

Written from the paper for dsdcrn.  A formal species X is a three-domain strand
``h x_t x_b`` (the paper's three-domain signal strand): a history domain ``h``
(long; which one depends on the gate that released the strand and does not matter
downstream), a toehold ``x_t`` and a recognition domain ``x_b`` (long), both
specific to X.

**The n x m gate** (Fig. 9; Fig. 10 is its 1 x 1 case) implements the irreversible
reaction ``X1 + ... + Xn -> Y1 + ... + Ym`` (n >= 1) with a private toehold ``t_i``
and two fuel complexes:

* **gate bottom** ``G_b``: bottom strand
  ``y_mt* y_mh* ... y_1t* y_1h* t_i* x_nb* x_nt* ... x_2b* x_2t* x_1b* x_1t*``
  covered by the two-domain strands ``x_1b x_2t``, ..., ``x_(n-1)b x_nt``,
  ``x_nb t_i`` and by the output strands ``y_kh y_kt y_kb`` (paired on their
  history and toehold, ``y_kb`` dangling); toehold ``x_1t*`` is open.  Input X_k
  binds its toehold and displaces ``x_kb x_(k+1)t`` (a reversible step: the strand
  can come back on its toehold), which opens the toehold of X_(k+1); the last input
  opens ``t_i*``.
* **gate top** ``G_t``: the strand ``t_i y_1h y_1t ... y_mh y_mt``.  It binds
  ``t_i*`` and releases the outputs one after another; nothing is left for them to
  bind back to, so this step commits the reaction after all inputs are in.

Each output strand ``y_kh y_kt y_kb`` has a fresh history domain ``y_kh``.  A
reaction with no products releases a single strand of fresh domains that no gate
reads (a waste) in place of outputs, so that ``G_t`` still has something to
displace and the reaction still commits.  The paper's garbage collection of the
displaced input strands is not built: those strands only ever bind their own gate.

Native arities: 1 to 3 reactants (the gate takes any number; dsdcrn builds up to
three, as the other schemes) and any number of products; ``-> X`` and longer joins
are rewritten at the CRN level (:mod:`dsdcrn.compile.rewrite`).

A gate holding some of its inputs gives them back only with the strands those inputs
displaced.  CRN bisimulation checks every state, including states of such gates
without those strands, which stand for formal species yet cannot react: it rejects
``2A -> B`` for that reason although every reachable state can finish (see
``tests/test_schemes_2d.py``); pathway decomposition finds the displaced strands
untidy.

Default lengths: the paper is abstract about lengths; dsdcrn uses 6-nt toeholds and
15-nt long domains, as for soloveichik2010.
"""

from __future__ import annotations

NAME = "cardelli2011_NM"
REFERENCE = "Cardelli, Natural Computing 10:407 (2011), Fig. 9-10 (n x m gate)"
LENGTHS = {"toehold": 6, "long": 15}
MAX_REACTANTS = 3
MAX_PRODUCTS = None
RESERVED = r"r[0-9]+(_.*)?"  # t_r1 is reaction 1's toehold
KNOWN_ISSUES = (
    "A gate holding some inputs gives them back only with the strands they displaced: "
    "CRN bisimulation, which checks every state, rejects a repeated reactant (2A -> B) "
    "although every reachable state can finish, and pathway decomposition finds those "
    "strands untidy."
)


def _species(x: str, module) -> tuple[str, str]:
    return module.domain(f"t_{x}", "toehold"), module.domain(f"b_{x}", "long")


def signal(x: str, module) -> list[str | None]:
    """The signal strand of species ``x``: ``h_x t_x b_x`` (history, toehold, long)."""
    t, b = _species(x, module)
    h = module.domain(f"h_{x}", "long")
    module.complex(x, f"{h} {t} {b}", "signal strand (Fig. 9)")
    return [None, t, b]


def reaction(i: int, reactants: list[str], products: list[str], module) -> None:
    """Gate bottom G_b and gate top G_t of reaction ``i`` (Fig. 9-10)."""
    ti = module.domain(f"t_r{i}", "toehold")
    ins = [_species(x, module) for x in reactants]
    outs = []
    for k, y in enumerate(products or [None], start=1):
        h = module.domain(f"h_r{i}_{k}", "long")
        if y is None:  # no products: one strand of fresh domains that nothing reads
            y = f"r{i}_void"
            module.domain(f"t_{y}", "toehold")
            module.domain(f"b_{y}", "long")
        outs.append((h, *_species(y, module)))

    # G_b: tops x_kb x_(k+1)t (x_(n+1)t = t_i), outputs h y_t y_b; toehold x_1t* open.
    toes = [t for t, _ in ins[1:]] + [ti]
    tops = [f"{b}( {t}(" for (_, b), t in zip(ins, toes, strict=True)]
    tops += [f"{h}( {t}( {b}" for h, t, b in outs]
    kernel = " + ".join(tops) + " +" + " )" * (2 * len(ins) + 2 * len(outs)) + f" {ins[0][0]}*"
    module.complex(f"r{i}_gate", kernel, "gate bottom G_b (Fig. 9)")
    top = " ".join([ti] + [d for h, t, _ in outs for d in (h, t)])
    module.complex(f"r{i}_top", top, "gate top G_t (Fig. 9)")
