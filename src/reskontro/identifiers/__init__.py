"""Norwegian identifiers in the python-stdnum interface.

Organisation numbers, MVA numbers and bank accounts come from python-stdnum; KID is ours
(:mod:`reskontro.identifiers.kid`), written the same way; :mod:`reskontro.identifiers.bank`
joins kontonummer, IBAN and BIC for a party's bank account.
"""
