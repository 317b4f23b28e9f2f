"""The domain's vocabulary as versioned data: what a 案号, a court or a case cause is, read from files kept here.

Imports nothing of ours but schemas/ (pyproject [tool.importlinter]); every layer may read it.

    case_number.py   the 案号 parser (court code, year, case type, sequence), with the rules it checks
    courts.py        the court table (courts.csv): codes, names, levels, provinces
    causes.py        the case-cause catalogue (causes.toml): the 案由 the centre handles
    errors.py        UnknownCode: a value a table or catalogue does not list
"""
