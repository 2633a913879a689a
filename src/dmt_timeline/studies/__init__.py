"""Reproduced studies: one module per publication, holding its cohort rules and its claims.

- :mod:`dmt_timeline.studies.natalizumab_psoriasis`: a case series of 18 patients with
  multiple sclerosis and psoriasis who started natalizumab.

Nothing is imported here, so that ``import dmt_timeline.studies`` stays light; import the
study module you need.
"""
