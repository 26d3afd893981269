"""Chen, Dalchau, Srinivas, Phillips, Cardelli, Soloveichik & Seelig, "Programmable
chemical controllers made from DNA", Nature Nanotechnology 8:755-762 (2013).

Written from the paper for dsdcrn: the two-domain join and fork gates of Fig. 1-2
(general n-input join and m-output fork as drawn in Supplementary Fig. S7.6).
Every formal species X is a two-domain strand ``t_X x_X``: a toehold of its own
(short) followed by a recognition domain (long).  There is no history domain: a
strand a fork releases is the very strand that was put in.

Each irreversible formal reaction ``R1 + ... + Rn -> P1 + ... + Pm`` (n >= 1, m >= 0)
gets private domains ``tr_i``, ``tq_i`` (toeholds) and ``r_i``, ``i_i`` (long):

* **Join gate J_i** (Fig. 1-2, "Join"): bottom strand
  ``tq* r* tr* x_n* t_n* ... x_2* t_2* x_1* t_1*`` covered by the two-domain strands
  ``x_1 t_2``, ..., ``x_(n-1) t_n``, ``x_n tr`` and ``r tq``; toehold ``t_1*`` is open.
  R1 binds it and displaces ``x_1 t_2``, which leaves on its toehold and can come back:
  the **first step is reversible** (as are the later input steps); each input opens
  the toehold of the next.  After the last input, the **join helper** ``tr r``
  (fuel) binds ``tr*`` and releases the translator strand ``r tq``.
* **Fork gate F_i** (Fig. 1-2, "Fork"): bottom strand
  ``tq* r* tr* x_Pm* t_Pm* ... x_P1* t_P1* i*`` covered by ``tr r``, the output
  strands ``t_Pk x_Pk`` and the one-domain strand ``i``; toehold ``tq*`` is open.
  The translator binds it and releases ``tr r``; the **fork helpers**
  ``x_Pm tr``, ``x_P(m-1) t_Pm``, ..., ``i t_P1`` (fuels) then release the outputs
  one after the other, and the last helper releases ``i``, which has no toehold: the
  only irreversible step of the reaction.  With no products the fork gate is
  ``tq* r* tr* i*`` and its one helper is ``i tr``.

Reversible formal reactions are two irreversible ones, each with its own gates.  The
paper's "delayed choice" optimisation (reactions with the same reactants sharing one
join gate) is not applied: schemes build reactions one at a time.

Native arities: 1 to 3 reactants (the paper draws joins of up to three inputs) and
any number of products; ``-> X`` and longer joins are rewritten at the CRN level
(:mod:`dsdcrn.compile.rewrite`).

**Correctness.**  As published, every step before the fork's last helper is reversible
and the outputs leave before that step, so a released product can enter the fork gate
again and run both gates back to the reactants: the implementation of ``A -> B`` also
implements ``B -> A``.  CRN bisimulation therefore rejects every irreversible reaction
with products (it accepts ``A + B <=> C`` and ``A ->``), in agreement with Nuskell's
report that this scheme is correct on none of its irreversible test CRNs;
``tests/compile/test_schemes_2d.py`` shows the path from B back to A.  The variant
option ``corrected`` (``compile_crn(..., variant={"corrected": True})``, off by default;
not in Chen et al.) builds a variant that all three verification methods accept on the
acceptance CRNs: the join helper becomes the three-domain strand ``tr j_i r`` over a
one-domain top strand ``j_i`` (Cardelli's irreversible step, MSCS 2013 Fig. 15), so the
join commits before the translator leaves, and the strands the gates displace
(``x_k t_(k+1)``, ``x_n tr``, ``tr r``) are added as buffers in excess (Soloveichik et al.'s
buffer), so a partly filled join can always give its inputs back.

Default lengths follow Piperine's Chen2013 scheme: 5-nt toeholds, 15-nt long domains.
"""

from __future__ import annotations

NAME = "chen2013_2D"
REFERENCE = "Chen et al., Nature Nanotechnology 8:755 (2013), Fig. 1-2, Suppl. Fig. S7.6"
LENGTHS = {"toehold": 5, "long": 15}
MAX_REACTANTS = 3
MAX_PRODUCTS = None
RESERVED = r"r[0-9]+_.*"
VARIANTS = {
    "corrected": "three-domain join helper and buffer strands, correct (not in Chen et al.)"
}
KNOWN_ISSUES = (
    "As published (Chen et al. 2013, Fig. 1-2) the fork releases its outputs before "
    "the only irreversible step, so a released product can run the gates back to the "
    "reactants; irreversible reactions with products are not implemented correctly "
    "(the variant option corrected = True builds a correct variant)."
)


def _species(x: str, module) -> tuple[str, str]:
    return module.domain(f"t_{x}", "toehold"), module.domain(f"x_{x}", "long")


def signal(x: str, module) -> list[str | None]:
    """The signal strand of species ``x``: ``t_x x_x`` (Fig. 1)."""
    t, d = _species(x, module)
    module.complex(x, f"{t} {d}", "two-domain signal strand (Fig. 1)")
    return [t, d]


def reaction(i: int, reactants: list[str], products: list[str], module) -> None:
    """Join gate, join helper, fork gate and fork helpers of reaction ``i`` (Fig. 1-2);
    with ``module.variant["corrected"]`` the correct variant (see the module doc)."""
    corrected = bool(module.variant.get("corrected", False))
    tr = module.domain(f"tr_r{i}", "toehold")
    tq = module.domain(f"tq_r{i}", "toehold")
    r = module.domain(f"r_r{i}", "long")
    last = module.domain(f"i_r{i}", "long")
    ins = [_species(x, module) for x in reactants]
    outs = [_species(x, module) for x in products]

    # Join gate: tops x_k t_(k+1) (t_(n+1) = tr), [j,] r tq; toehold t_1* open.
    tops = [(d, t) for (_, d), t in zip(ins, [t for t, _ in ins[1:]] + [tr], strict=True)]
    kernel = "".join(f"{d}( {t}( + " for d, t in tops)
    pairs = 2 * len(tops) + 2
    if corrected:
        j = module.domain(f"j_r{i}", "long")
        kernel += f"{j}( + "
        pairs += 1
    kernel += f"{r}( {tq}( + " + ") " * pairs + f"{ins[0][0]}*"
    module.complex(f"r{i}_join", kernel, "join gate (Fig. 1-2)")
    if not corrected:
        module.complex(f"r{i}_joinhelper", f"{tr} {r}", "join helper strand (Fig. 1-2)")
    else:
        module.complex(f"r{i}_joinhelper", f"{tr} {j} {r}", "3-domain join helper (variant)")
        # The strands the join and the fork displace, held in excess as buffers, so a
        # partly filled join can always give its inputs back (variant).
        for k, (d, t) in enumerate(tops, start=1):
            module.complex(f"r{i}_buffer{k}", f"{d} {t}", "join buffer strand (variant)")
        module.complex(f"r{i}_forkbuffer", f"{tr} {r}", "fork buffer strand (variant)")

    # Fork gate: tops i, outputs t_P1 x_P1 ... t_Pm x_Pm, tr r; toehold tq* open.
    kernel = f"{last}( + " + "".join(f"{t}( {d}( + " for t, d in outs)
    kernel += f"{tr}( {r}( + {tq}*" + " )" * (2 * len(outs) + 3)
    module.complex(f"r{i}_fork", kernel, "fork gate (Fig. 1-2)")
    # Fork helpers in the order they act: x_Pm tr, x_P(m-1) t_Pm, ..., i t_P1.  A
    # helper two reactions (or two outputs) share is one fuel (dsdcrn.compile.translate).
    doms = [d for _, d in reversed(outs)] + [last]
    toes = [tr] + [t for t, _ in reversed(outs)]
    for k, (d, t) in enumerate(zip(doms, toes, strict=True), start=1):
        module.complex(f"r{i}_forkhelper{k}", f"{d} {t}", f"fork helper strand {k} (Fig. 1-2)")
