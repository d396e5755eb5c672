"""The programme's reference data, shipped with the platform and read by several services:
the departments of Hauts-de-France and the Nord's bassins d'éducation, which bassin each
Nord commune lies in, the professional sectors, and the educational establishments.

Data, not rules: what a zone covers or who may act stays in each service.
"""
