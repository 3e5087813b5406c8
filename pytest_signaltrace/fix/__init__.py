"""``signaltrace fix``: remove what is dead, losslessly (libcst).

* :mod:`.plan`: what to remove or mark, per file, from the static map (and a run's data);
* :mod:`.transform`: the libcst codemod that does it, leaving every other byte alone;
* :mod:`.apply`: unified diffs, or the files rewritten.
"""
