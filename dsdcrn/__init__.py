"""dsdcrn: compile chemical reaction networks into verified DNA strand-displacement circuits.

Stages, one module each, data flowing one way:
:mod:`~dsdcrn.model.crn` (formal CRN) -> :mod:`~dsdcrn.compile.translate` (domain-level system,
:mod:`~dsdcrn.model.domains`) -> :mod:`~dsdcrn.enumerate.peppercorn` (Peppercorn) ->
:mod:`~dsdcrn.verify.whole` (crnverifier) -> :mod:`~dsdcrn.design.sequences` (design) ->
:mod:`~dsdcrn.kinetics.fidelity` (kinetics, :mod:`~dsdcrn.kinetics.massaction`) ->
:mod:`~dsdcrn.output.designfolder`; :mod:`~dsdcrn.pipeline` runs them all.
"""

__version__ = "0.1.0"
