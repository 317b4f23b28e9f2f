"""The centre's e-seal on agreement documents: PAdES (ETSI EN 319 142) with pyHanko; settings in `[seal]`."""
