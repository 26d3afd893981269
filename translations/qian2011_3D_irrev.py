"""Qian, Soloveichik & Winfree, DNA 16, LNCS 6518:123-140 (2011), corrected: the
three-domain scheme with an irreversible step between reactants and products.

Written for dsdcrn from the published scheme (``qian2011_3D``, Fig. 1).  The published
gate is reversible until its last fuel strand acts, after the products have left, so a
product can rebind and run the gate backwards.  Here the gate's bottom strand gets a
commit region between the product and the reactant regions, 5' to 3'::

    f_i*  t* hY2*  t* hY1*  t* g_i* k_i*  t* x_X2*  t* x_X1*  t*

with ``k_i`` covered by a strand of its own and ``t* g_i*`` by ``g_i t``.  When the
last reactant has bound, the toehold left of its recognition domain opens and the
commit fuel ``t k_i g_i`` displaces the lock strand ``k_i`` whole (it has no toehold
left to return by: the irreversible step) and then ``g_i``, releasing ``g_i t`` and
opening the toehold from which the fuels ``t hY1`` and ``t hY2`` release the products
as in the published gate; the published closing fuel ``t f_i`` still ends the gate's
use (without it the spent gate would keep exchanging its last product, an
intermediate that never goes away, and pathway decomposition would find the system
not tidy).  Reactant binding stays reversible (the reactant covers are free in
excess) and products are released only after the commitment, so every state of the
gate is interpreted either as its reactants or as its products.  This is the
construction that Nuskell's ``qian2011_3D_var1`` also uses (an irreversible step after
the reactants are consumed, before the products are released); the templates here are
dsdcrn's own.

Defaults as ``qian2011_3D``: 6-nt toeholds, 15-nt long domains.
"""

from __future__ import annotations

from dsdcrn.translations.qian2011_3D import gate
from dsdcrn.translations.qian2011_3D import signal as signal  # same signal strands

NAME = "qian2011_3D_irrev"
REFERENCE = (
    "Qian, Soloveichik & Winfree, DNA 16, LNCS 6518:123 (2011), Fig. 1 "
    "with an irreversible commit step (dsdcrn's correction)"
)
LENGTHS = {"toehold": 6, "long": 15}
ARITIES = {(n, m) for n in range(3) for m in range(3)} - {(0, 0)}
MAX_REACTANTS = 2
MAX_PRODUCTS = 2
RESERVED = r"r[0-9]+_.*"


def reaction(i: int, reactants: list[str], products: list[str], module) -> None:
    """Gate with a commit step, and its fuel strands."""
    gate(i, reactants, products, module, commit=True)
