"""Sick pay from rules: the periods of incapacity that link, Statutory Sick Pay and the
employer's contractual scheme, each rule dated and citing where it comes from."""
