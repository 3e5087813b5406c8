"""``signaltrace fix``: remove what is certainly dead, losslessly (libcst), never more.

* :mod:`.project`: the project whose scan gives the verdicts (whatever folder is given), its
  files' text, and which files may be rewritten (under the folder, no symlink out of the tree);
* :mod:`.evidence`: a run's data file, matched by handler id and content; stale data refused;
* :mod:`.plan`: what to remove or mark, per file, from the whole project's static map (and the
  run's evidence);
* :mod:`.names`: what a file's names stand for (relative imports, ``@receiver([a, b])``);
* :mod:`.transform`: the libcst codemod that does it, leaving every other byte alone;
* :mod:`.apply`: unified diffs, or the files rewritten: all or none, checked after writing.
"""
