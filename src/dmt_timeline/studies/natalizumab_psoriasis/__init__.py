"""The natalizumab case series in comorbid MS and psoriasis: its cohort rules and its claims.

The publication (bundled as :func:`dmt_timeline.datasets.load_natalizumab_psoriasis`) reports
18 patients with multiple sclerosis and psoriasis who started natalizumab, grouped by how
interferon beta led to natalizumab. This module states that grouping as a rule over the
timeline algebra (:func:`paradigm`), derives every quantitative statement of the abstract,
results and discussion that the table can support (:func:`claims`), reruns the three
Kruskal-Wallis comparisons (:func:`comparisons`) and puts them together in a :class:`Report`
(:func:`reproduce`).

The rules never read the cohort's ``published_group`` labels; the group-size claims check
them afterwards. The only numbers typed in are the publication's own (``PUBLISHED``); every
derived value comes from the model.

The verdicts:

- *agrees*: the derived value is the published one (or satisfies it, for "most" and for "no
  significant difference");
- *differs*: the data decide the value, and it is not the published one;
- *not derivable*: the data do not decide the value (stop dates are not recorded and dates
  are known to the year); the note gives the bounds the data allow.

``Report.as_dict()`` returns JSON-compatible data in a versioned schema (version 1), set out
in :meth:`Report.as_dict`.

scipy is imported only when the comparisons are run, so :func:`paradigm` stays light.
"""

from __future__ import annotations

from dmt_timeline.studies.natalizumab_psoriasis.checklist import claims
from dmt_timeline.studies.natalizumab_psoriasis.claim import Claim, Verdict
from dmt_timeline.studies.natalizumab_psoriasis.kruskal_wallis import comparisons
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import DIRECT, INDIRECT, NO_IFN, PARADIGMS, paradigm
from dmt_timeline.studies.natalizumab_psoriasis.published import PUBLISHED, TITLE
from dmt_timeline.studies.natalizumab_psoriasis.report import Report, reproduce

__all__ = [
    "DIRECT",
    "INDIRECT",
    "NO_IFN",
    "PARADIGMS",
    "PUBLISHED",
    "TITLE",
    "Claim",
    "Report",
    "Verdict",
    "claims",
    "comparisons",
    "paradigm",
    "reproduce",
]
