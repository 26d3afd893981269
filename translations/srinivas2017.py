"""Srinivas, Parkin, Seelig, Winfree & Soloveichik, "Enzyme-free nucleic acid dynamical
systems", Science 358:eaal2052 (2017), and N. Srinivas, "Programming chemical kinetics:
engineering dynamic reaction networks with DNA strand displacement", PhD thesis,
Caltech (2015), chapter 3.

Written from the papers for dsdcrn: the *two-toehold* scheme.  Every formal species X
is one strand, 5' to 3' (the papers' orientation)::

    s_X  m_X  c_X  f_X  | history: y  z

a second toehold ``s_X``, a branch-migration domain ``m_X`` ended by a 2-nt clamp
``c_X``, a first toehold ``f_X``, and a history domain with its own clamp (``h_X k_X``
for the strand a user adds, ``y_ri_p z_ri_p`` for product p of gate i).  A gate binds
X first by ``f_X`` and, once X is inside, exposes the next toehold; the clamps keep
helix ends from fraying (they are designed as 2-nt long domains).

Templates (i is the reaction's number):

* **2 -> 2**, A + B -> C + D (Science 2017, Fig. 2; thesis Fig. 3.4).  *Reactant gate*
  ``ri_gate``: bottom ``f_A* c_A* m_A* s_A* f_B* c_B* m_B* s_B*`` covered by the
  backward strand ``ri_back = f_B s_A m_A c_A`` and the output (flux) strand
  ``O_i = y_i z_i s_B m_B c_B``.  A binds the open ``f_A*`` and displaces the backward
  strand, which keeps only ``f_B``: reversible, the backward strand (also added free,
  in excess, as a separately ordered strand) can take A's place again.  B then binds
  ``f_B*`` and releases O_i irreversibly.
  *Product gate* ``ri_trans``: bottom ``s_B* z_i* y_i* f_C* z_i2* y_i2* f_D*``
  holding C by ``f_C y_i z_i`` and D by ``f_D y_i2 z_i2``.  O_i binds ``s_B*``,
  releases C (history ``y_i z_i``), and ``ri_helper = f_D y_i2 z_i2 f_C`` binds the
  opened ``f_C*`` and releases D (history ``y_i2 z_i2``) irreversibly.
* **1 -> 1**, A -> C (thesis Fig. 3.5).  Reactant gate: bottom ``f_A* c_A* m_A* s_A*``
  covered by ``O_i = f_C y_i z_i s_A m_A c_A``; A releases it.  Product gate:
  bottom ``s_A* z_i* y_i* f_C*`` holding C by ``f_C y_i z_i``; O_i covers the whole
  bottom strand, so C is released irreversibly.
* **1 -> 0**, A -> (thesis Fig. 3.6).  Reactant gate ``f_A* c_A* m_A* s_A*`` covered by
  ``s_A m_A c_A``; A displaces it as waste.
* **0 -> 1**, -> C (thesis Fig. 3.7).  A fuel input strand ``ri_input = fs_i fm_i fc_i
  ff_i`` (domains of its own, at the fuel concentration) runs the 1 -> 1 gates.

Other shapes are rewritten at the CRN level into these (:mod:`dsdcrn.compile.rewrite`), as
the Science paper and Piperine pad every reaction to 2 -> 2: ``A + B -> C`` becomes
``A + B -> C + w``, ``C -> A + B`` becomes ``C + f -> A + B`` with a fuel species.

Departures from the papers, at the domain level only: the first toehold of the second
reactant is not shortened by one nucleotide at the backward strand (a sequence-level
bias of the reversible step); and the
2-nt clamps that end a gate's bottom strand where a strand leaves (the reactant gate's
3' clamp under the output strand's history clamp, the product gate's under D's
branch-migration clamp) are left out.  Once that strand has left, such a clamp is a
2-nt open toehold through which Peppercorn lets the strand come back (at about
1 /M/s), which would make the irreversible steps reversible at the domain level and
the circuit incorrect by CRN bisimulation.

Default lengths follow the Science paper's design (and Piperine's ``Srinivas2017``
defaults): 7-nt toeholds, 15-nt branch-migration regions made of a 13-nt domain and a
2-nt clamp, 13-nt history domains with 2-nt clamps.
"""

from __future__ import annotations

NAME = "srinivas2017"
REFERENCE = (
    "Srinivas et al., Science 358:eaal2052 (2017); Srinivas, PhD thesis, Caltech (2015), ch. 3"
)
LENGTHS = {"toehold": 7, "long": 13, "clamp": 2}
DESIGN_KINDS = {"clamp": "long"}
ARITIES = {(1, 0), (0, 1), (1, 1), (2, 2)}
MAX_REACTANTS = 2
MAX_PRODUCTS = 2
RESERVED = r"r[0-9]+_.*"


def _species(x: str, module) -> tuple[str, str, str, str]:
    """Domains (s, m, c, f) of species ``x``."""
    return (
        module.domain(f"s_{x}", "toehold"),
        module.domain(f"m_{x}", "long"),
        module.domain(f"c_{x}", "clamp"),
        module.domain(f"f_{x}", "toehold"),
    )


def _history(i: int, p: int, module) -> tuple[str, str]:
    """History domain and clamp of product ``p`` (1-based) of gate ``i``."""
    tag = f"r{i}" if p == 1 else f"r{i}_{p}"
    return module.domain(f"y_{tag}", "long"), module.domain(f"z_{tag}", "clamp")


#: Rate knobs (:mod:`dsdcrn.kinetics.realise`): a bimolecular reaction's rate is set by
#: its free backward strand (more of it takes A's place on the reactant gate back more
#: often), past its bounds by the reactant gate; a unimolecular one's by its reactant
#: gate.  Product gates and helpers act after the reaction has committed.
RATE_KNOBS = {
    "bimolecular": (("r{i}_back", "slower with more"), ("r{i}_gate", "faster with more")),
    "unimolecular": (("r{i}_gate", "faster with more"),),
    "latency": ("r{i}_trans", "r{i}_helper"),
}


def signal(x: str, module) -> list[str | None]:
    """Signal strand ``s_x m_x c_x f_x h_x k_x`` (history ``h_x k_x``)."""
    s, m, c, f = _species(x, module)
    h, k = module.domain(f"h_{x}", "long"), module.domain(f"k_{x}", "clamp")
    module.complex(x, f"{s} {m} {c} {f} {h} {k}", "signal strand (Science 2017, Fig. 2)")
    return [s, m, c, f, None, None]


def reaction(i: int, reactants: list[str], products: list[str], module) -> None:
    """Reactant gate, product gate and helpers of reaction ``i``."""
    shape = (len(reactants), len(products))
    if shape == (2, 2):
        _bimolecular(i, reactants, products, module)
        return
    if shape == (0, 1):
        s, m, c, f = (
            module.domain(f"fs_r{i}", "toehold"),
            module.domain(f"fm_r{i}", "long"),
            module.domain(f"fc_r{i}", "clamp"),
            module.domain(f"ff_r{i}", "toehold"),
        )
        module.complex(f"r{i}_input", f"{s} {m} {c} {f}", "fuel input strand (thesis Fig. 3.7)")
        _unimolecular(i, (s, m, c, f), products, module, "thesis Fig. 3.7")
        return
    if shape in ((1, 0), (1, 1)):
        fig = "thesis Fig. 3.6" if shape == (1, 0) else "thesis Fig. 3.5"
        _unimolecular(i, _species(reactants[0], module), products, module, fig)
        return
    raise ValueError(f"srinivas2017 builds {sorted(ARITIES)} natively, not {shape}")


def _unimolecular(i: int, reactant, products: list[str], module, fig: str) -> None:
    s_a, m_a, c_a, f_a = reactant
    if not products:
        module.complex(
            f"r{i}_gate", f"{f_a}* {c_a}*( {m_a}*( {s_a}*( + ) ) )", f"reactant gate ({fig})"
        )
        return
    s_c, m_c, c_c, f_c = _species(products[0], module)
    y, z = _history(i, 1, module)
    # reactant gate: output strand O_i = f_C y z s_A m_A c_A, bound by s_A m_A c_A
    module.complex(
        f"r{i}_gate",
        f"{f_a}* {c_a}*( {m_a}*( {s_a}*( + {f_c} {y} {z} ) ) )",
        f"reactant gate with output strand ({fig})",
    )
    # product gate: C bound by f_C y z; O_i binds s_A* and covers the whole bottom strand
    module.complex(
        f"r{i}_trans",
        f"{s_a}* {z}*( {y}*( {f_c}*( + {s_c} {m_c} {c_c} ) ) )",
        f"product gate ({fig})",
    )


def _bimolecular(i: int, reactants: list[str], products: list[str], module) -> None:
    fig = "Science 2017, Fig. 2; thesis Fig. 3.4"
    s_a, m_a, c_a, f_a = _species(reactants[0], module)
    s_b, m_b, c_b, f_b = _species(reactants[1], module)
    s_c, m_c, c_c, f_c = _species(products[0], module)
    s_d, m_d, c_d, f_d = _species(products[1], module)
    y1, z1 = _history(i, 1, module)
    y2, z2 = _history(i, 2, module)
    module.complex(
        f"r{i}_gate",
        f"{f_a}* {c_a}*( {m_a}*( {s_a}*( {f_b}*( {c_b}*( {m_b}*( {s_b}*( "
        f"+ {y1} {z1} ) ) ) + ) ) ) )",
        f"reactant gate with backward and output strands ({fig})",
    )
    module.complex(
        f"r{i}_trans",
        f"{s_b}* {z1}*( {y1}*( {f_c}*( {z2}*( {y2}*( {f_d}*( "
        f"+ {s_d} {m_d} {c_d} ) ) ) + {s_c} {m_c} {c_c} ) ) )",
        f"product gate (translator) holding C and D ({fig})",
    )
    module.complex(f"r{i}_helper", f"{f_d} {y2} {z2} {f_c}", f"helper strand ({fig})")
    module.complex(
        f"r{i}_back", f"{f_b} {s_a} {m_a} {c_a}", f"backward strand, free in excess ({fig})"
    )
