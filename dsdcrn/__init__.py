"""dsdcrn: compile chemical reaction networks into verified DNA strand-displacement circuits.

Stages, one module each, data flowing one way:
:mod:`~dsdcrn.crn` (formal CRN) -> :mod:`~dsdcrn.translate` (domain-level system,
:mod:`~dsdcrn.dsd`) -> :mod:`~dsdcrn.enumeration` (Peppercorn) ->
:mod:`~dsdcrn.verify` (crnverifier) -> :mod:`~dsdcrn.sequences` (design) ->
:mod:`~dsdcrn.fidelity` (kinetics, :mod:`~dsdcrn.kinetics`) ->
:mod:`~dsdcrn.designfolder`; :mod:`~dsdcrn.pipeline` runs them all.
"""

__version__ = "0.1.0"
