"""Reading a CDM: drug exposures rolled up to ingredients and mapped to therapies, in SQL."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.dates import PartialDate
from dmt_timeline.eras import EraMode
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, quoted
from dmt_timeline.io.cells import read_sex
from dmt_timeline.io.exposures import (
    DEFAULT_PERSISTENCE_DAYS,
    EpisodeBuild,
    Exposure,
    ExposureColumns,
    build_episodes,
)
from dmt_timeline.io.omop._database import Database, Names, names_of, open_database
from dmt_timeline.io.omop._knowledge import fold, knowledge, stop_reasons
from dmt_timeline.model import (
    ONGOING,
    Cohort,
    Condition,
    Diagnosis,
    Patient,
    Sex,
    TherapyEpisode,
    parse_reasons,
)
from dmt_timeline.progress import Stage, showing, stage


class EndDateRule(enum.Enum):
    """How a drug exposure's end is read when ``drug_exposure_end_date`` is blank.

    Attributes:
        OHDSI_DRUG_ERA: The OHDSI DRUG_ERA script's rule: the end date, else start +
            ``days_supply`` (when it is not 0), else start + 1 day. The rule that gives the
            ``drug_era`` table.
        CDM_ETL: The CDM's ETL convention for a blank end: start + ``days_supply`` - 1 (the
            last day supplied, when ``days_supply`` is at least 1), else the start itself.
    """

    OHDSI_DRUG_ERA = "ohdsi-drug-era"
    CDM_ETL = "cdm-etl"


EXPOSURE_COLUMNS = ExposureColumns(
    person_id="person_id", drug="drug", start="start", end="end", stop_reason="reason"
)
"""The columns of :attr:`OmopRead.exposures`, as the batch engine reads them."""

_DROPPED = {
    1: "drug_concept_id is 0",
    2: "days_supply is negative",
    3: "end before start",
    4: "outside the date window",
}


@attrs.frozen
class OmopRead:
    """What :func:`read_omop` read from a CDM.

    Attributes:
        exposures: A pyarrow Table, one row per exposure of a catalogue therapy (a combination
            product gives one row per MS ingredient): ``person_id``, ``drug`` (the therapy's
            name), ``start``, ``end`` (``date32``, the end by ``end_date_rule``), ``reason``
            (switch-reason codes read from ``stop_reason``, joined by ``;``), ``stop_reason``
            (the CDM's text, kept), ``drug_exposure_id``, ``ingredient_concept_id``.
        follow_up: A pyarrow Table per person: ``person_id``, ``observation_end`` (the latest
            ``observation_period_end_date``), ``death_date``, ``last_follow_up`` (the earlier
            of the two).
        diagnoses: A pyarrow Table: ``person_id``, ``condition``, ``date`` (the first
            occurrence of a concept in the condition's SNOMED concept set).
        persons: The persons asked for (a list or a cohort), or None for every person.
        dropped: Rows left out, by the OHDSI filter (or the window) that left them out.
        no_ingredient: Exposures whose drug concept has no RxNorm ingredient ancestor.
        other_ingredients: Ingredients the catalogue does not know (non-MS drugs), as
            ``(concept_id, name, exposures)``: counted, not errors.
        unread_stop_reasons: ``stop_reason`` texts that map to no switch reason, with counts.
        data_cut: The latest ``observation_period_end_date`` of the persons read.
        end_date_rule: The rule that gave blank ends.
        catalogue: The catalogue therapies were mapped with.
        people: A pyarrow Table per person of ``person``: ``person_id``, ``gender_concept_id``,
            ``sex`` (``female``, ``male``, ``other`` or null: see below), ``year_of_birth``,
            ``month_of_birth``, ``day_of_birth``, ``birth_datetime`` (as a date).
        unread_genders: ``gender_concept_id`` values that name no sex, with counts (their
            persons' sex is not recorded). The OMOP Gender vocabulary's standard concepts are
            8532 (female) and 8507 (male); 0 and 8551 say unknown; 44814653 is other.
        births_after_records: Persons whose birth date is after one of their records (an
            exposure start, a diagnosis, the end of follow-up), as ``(person_id, birth date)``:
            the CDM contradicts itself, and their patients keep no birth date.
    """

    exposures: Any
    follow_up: Any
    diagnoses: Any
    persons: tuple[str, ...] | None
    dropped: tuple[tuple[str, int], ...]
    no_ingredient: int
    other_ingredients: tuple[tuple[int, str, int], ...]
    unread_stop_reasons: tuple[tuple[str, int], ...]
    data_cut: dt.date | None
    end_date_rule: EndDateRule
    catalogue: Catalogue = attrs.field(repr=False)
    people: Any = None
    unread_genders: tuple[tuple[int, int], ...] = ()
    births_after_records: tuple[tuple[str, str], ...] = ()

    def personal(self) -> dict[str, tuple[Sex | None, PartialDate | None]]:
        """Each person's sex and birth date: ``year_of_birth`` with ``month_of_birth`` and
        ``day_of_birth`` at the precision they give, else the day of ``birth_datetime``.

        Raises:
            InvalidValueError: naming the person, the column and the value of a birth date
                that is no date (month 13, 30 February).
        """
        found: dict[str, tuple[Sex | None, PartialDate | None]] = {}
        if self.people is None:
            return found
        refused = {person for person, _ in self.births_after_records}
        for row in self.people.to_pylist():
            person = row["person_id"]
            sex = None if row["sex"] is None else Sex(row["sex"])
            found[person] = (sex, None if person in refused else _birth(person, row))
        return found

    def episodes(
        self,
        *,
        era_mode: EraMode | str = EraMode.CATALOGUE,
        persistence_days: int = DEFAULT_PERSISTENCE_DAYS,
        windows: Mapping[str, int] | None = None,
    ) -> EpisodeBuild:
        """The exposures as a cohort of therapy episodes (the object path), with each patient's
        last follow-up (observation end or death) and diagnoses.

        The patients are the persons asked for (``persons`` or a cohort), or, when every person
        was read, those with an exposure of a catalogue therapy. A patient whose exposures start
        after the end of observation keeps no last follow-up (the CDM contradicts itself);
        :attr:`follow_up` still has the dates.

        Censoring: an episode whose end plus its persistence window reaches past the patient's
        last follow-up was not seen to stop (a next exposure that would have continued it falls
        after observation ended, or the patient died on it), so it is ongoing, censored at the
        last follow-up; one whose last exposure gives a stop reason stopped. The eras
        (:attr:`EpisodeBuild.eras`, OMOP's ``drug_era``) keep their ends.
        """
        exposures = [
            Exposure(row["person_id"], row["drug"], row["start"], row["end"], parse_reasons(row["reason"]), i)
            for i, row in enumerate(self.exposures.to_pylist(), start=1)
        ]
        with stage("building episodes"):
            build = build_episodes(
                exposures,
                catalogue=self.catalogue,
                persistence_days=persistence_days,
                windows=windows,
                era_mode=era_mode,
            )
        follow = {r["person_id"]: r["last_follow_up"] for r in self.follow_up.to_pylist()}
        found: dict[str, list[Diagnosis]] = {}
        for row in self.diagnoses.to_pylist():
            found.setdefault(row["person_id"], []).append(
                Diagnosis(Condition(row["condition"]), PartialDate.from_date(row["date"]))
            )
        personal = self.personal()
        by_id = {p.id: p for p in build.cohort.patients}
        ids = sorted(by_id) if self.persons is None else sorted(set(self.persons) | set(by_id))
        windows = dict(build.windows)
        patients = []
        for person in ids:
            patient = by_id.get(person, Patient(person))
            last = follow.get(person)
            if last is not None and all(e.start.first_day <= last for e in patient.episodes):
                episodes = tuple(
                    _censored(e, patient.episodes, last, windows[e.therapy.name]) for e in patient.episodes
                )
                patient = attrs.evolve(patient, episodes=episodes, last_follow_up=PartialDate.from_date(last))
            patient = attrs.evolve(patient, diagnoses=tuple(found.get(person, ())))
            patients.append(_with_personal(patient, personal.get(person, (None, None))))
        return attrs.evolve(build, cohort=Cohort(patients))

    def transitions(self, **options: Any) -> Any:
        """Eras and transitions of the exposures by the batch engine:
        :func:`~dmt_timeline.batch.exposure_transitions` with these ``options``."""
        from dmt_timeline.batch import exposure_transitions  # noqa: PLC0415 - batch needs the tables extra

        options.setdefault("catalogue", self.catalogue)
        return exposure_transitions(self.exposures, columns=EXPOSURE_COLUMNS, **options)


def _birth(person: str, row: Mapping[str, Any]) -> PartialDate | None:
    year, month, day = row["year_of_birth"], row["month_of_birth"], row["day_of_birth"]
    if year is None:
        born = row["birth_datetime"]
        return None if born is None else PartialDate.from_date(born)
    # A day without its month says nothing on its own; the CDM never has one.
    try:
        return PartialDate(year, month, day if month is not None else None)
    except DmtTimelineError:
        shown = "-".join(str(v) for v in (year, month, day) if v is not None)
    raise InvalidValueError(
        f"person {quoted(person)}: person.year_of_birth, month_of_birth, day_of_birth {quoted(shown)} "
        "is not a date"
    )


def _with_personal(patient: Patient, personal: tuple[Sex | None, PartialDate | None]) -> Patient:
    """The patient with its sex and birth date; a birth date after its own dates is refused by name."""
    sex, birth = personal
    try:
        return attrs.evolve(patient, sex=sex, birth_date=birth)
    except DmtTimelineError as exc:
        message = str(exc)
    raise InvalidValueError(f"OMOP CDM person.year_of_birth: {message}")


def _censored(
    episode: TherapyEpisode, episodes: tuple[TherapyEpisode, ...], last: dt.date, window: int
) -> TherapyEpisode:
    """The episode, ongoing when follow-up ended before its stop could be seen."""
    stop = episode.stop
    if episode.reasons or not isinstance(stop, PartialDate):
        return episode
    # An exposure starting up to `window` days after the end would have continued the episode.
    if (last - stop.first_day).days >= window:
        return episode
    # Another therapy started after it ended: a switch, seen.
    if any(other.start.first_day > stop.first_day for other in episodes):
        return episode
    return attrs.evolve(episode, stop=ONGOING)


def _persons(values: Iterable[int | str]) -> list[int]:
    out = []
    for value in values:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isascii() or not text.isdigit():
            raise InvalidValueError(f"persons: {quoted(value)} is not a CDM person_id (a whole number)")
        out.append(int(text))
    return out


def _date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    date = PartialDate.parse(value)
    if date.day is None:
        raise InvalidValueError(f"{name} {quoted(value)} is not a whole date (YYYY-MM-DD)")
    return date.first_day


@attrs.frozen
class _Query:
    """The SQL pieces of one read: tables and columns by their real names, and the filters."""

    db: Database
    cdm: Names
    vocab: Names
    person_filter: str
    person_params: list[Any]

    def col(self, table: str, name: str, alias: str) -> str:
        return f"{alias}.{self.cdm.column(table, name)}"

    def vcol(self, table: str, name: str, alias: str) -> str:
        return f"{alias}.{self.vocab.column(table, name)}"

    def persons_of(self, table: str, alias: str) -> str:
        return self.person_filter.format(person=self.col(table, "person_id", alias))


def read_omop(
    source: Any,
    *,
    schema: str | None = None,
    vocabulary_schema: str | None = None,
    persons: Iterable[int | str] | None = None,
    cohort_definition_id: int | None = None,
    cohort_table: str = "cohort",
    cohort_schema: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    catalogue: Catalogue = CATALOGUE,
    end_date_rule: EndDateRule | str = EndDateRule.OHDSI_DRUG_ERA,
    ingredient_vocabularies: tuple[str, ...] = ("RxNorm",),
    progress: bool | None = None,
) -> OmopRead:
    """Read a CDM (v5.3 or v5.4): MS drug exposures, follow-up and diagnoses.

    Drug exposures roll up to their ingredients through ``concept_ancestor`` (RxNorm
    ingredients, as the OHDSI DRUG_ERA script does); an ingredient maps to a catalogue therapy
    by its RxNorm code (``concept_code``, the RxCUI) or else by its name (any name or alias of
    the therapy). A combination product gives one exposure per MS ingredient. The work runs in
    the database; only the MS exposures and the counts come back.

    The OHDSI row filters are applied and counted in ``dropped``: ``drug_concept_id`` 0 (or
    blank), a negative ``days_supply``, an end before the start (the DRUG_ERA script drops the
    first two; the third is the CDM's own rule). With ``start`` or ``end``, exposures that do
    not overlap the window are left out and counted too.

    Args:
        source: A DuckDB file path (or ``"duckdb:<path>"``), a ``postgresql://`` URL, or an
            open DuckDB or psycopg connection (left open).
        schema: The schema of the CDM tables (default: the connection's current schema).
        vocabulary_schema: The schema of ``concept`` and ``concept_ancestor`` (default: ``schema``).
        persons: Read only these persons (``person_id`` values).
        cohort_definition_id: Read only the ``subject_id`` of this cohort in ``cohort_table``.
        cohort_table: The cohort table's name (default ``cohort``).
        cohort_schema: Its schema (default: ``schema``).
        start: Leave out exposures that end before this day.
        end: Leave out exposures that start after this day.
        catalogue: The therapies to map ingredients to (extend it for other drugs).
        end_date_rule: How a blank end is read (see :class:`EndDateRule`).
        ingredient_vocabularies: Vocabularies of the ingredients rolled up to (add
            ``"RxNorm Extension"`` for European data; the DRUG_ERA script uses RxNorm only).
        progress: Show each query on stderr (True), never (False), or when stderr is a
            terminal (None; see :mod:`dmt_timeline.progress`).

    Raises:
        InvalidValueError: a source that cannot be opened, a missing table or column, both
            ``persons`` and a cohort, bad person ids or dates.
    """
    rule = end_date_rule if isinstance(end_date_rule, EndDateRule) else _rule(end_date_rule)
    if persons is not None and cohort_definition_id is not None:
        raise InvalidValueError("persons and cohort_definition_id: give one or the other")
    if cohort_definition_id is not None and (
        not isinstance(cohort_definition_id, int) or isinstance(cohort_definition_id, bool)
    ):
        raise InvalidValueError(f"cohort_definition_id {quoted(cohort_definition_id)} is not a whole number")
    window = (_date(start, "start"), _date(end, "end"))
    with showing(progress), stage("reading the OMOP CDM", 4, unit="queries") as step:
        db = open_database(source)
        try:
            return _read(
                db,
                schema=schema,
                vocabulary_schema=vocabulary_schema,
                persons=persons,
                cohort_definition_id=cohort_definition_id,
                cohort_table=cohort_table,
                cohort_schema=cohort_schema,
                window=window,
                catalogue=catalogue,
                rule=rule,
                vocabularies=ingredient_vocabularies,
                step=step,
            )
        finally:
            db.close()


def _rule(value: str) -> EndDateRule:
    try:
        return EndDateRule(value)
    except ValueError:
        pass
    allowed = ", ".join(repr(r.value) for r in EndDateRule)
    raise InvalidValueError(f"end_date_rule {quoted(value)} is not one of {allowed}")


def _read(
    db: Database,
    *,
    schema: str | None,
    vocabulary_schema: str | None,
    persons: Iterable[int | str] | None,
    cohort_definition_id: int | None,
    cohort_table: str,
    cohort_schema: str | None,
    window: tuple[dt.date | None, dt.date | None],
    catalogue: Catalogue,
    rule: EndDateRule,
    vocabularies: tuple[str, ...],
    step: Stage,
) -> OmopRead:
    import pyarrow as pa  # noqa: PLC0415 - the omop extra brings it

    p = db.param
    cdm = names_of(db, schema)
    vocab = cdm if vocabulary_schema is None else names_of(db, vocabulary_schema)
    chosen: tuple[str, ...] | None = None
    if persons is not None:
        ids = _persons(persons)
        chosen = tuple(str(i) for i in sorted(set(ids)))
        person_filter = "{person} IN (" + ", ".join([p] * len(ids)) + ")" if ids else "1 = 0"
        person_params: list[Any] = list(ids)
    elif cohort_definition_id is not None:
        holder = cdm if cohort_schema is None else names_of(db, cohort_schema)
        table = holder.table(cohort_table.lower())
        subject = holder.column(cohort_table.lower(), "subject_id")
        definition = holder.column(cohort_table.lower(), "cohort_definition_id")
        person_filter = f"{{person}} IN (SELECT {subject} FROM {table} WHERE {definition} = {p})"
        person_params = [int(cohort_definition_id)]
        chosen = tuple(
            str(r[0])
            for r in db.rows(
                f"SELECT DISTINCT {subject} FROM {table} WHERE {definition} = {p}", person_params
            )
        )
        chosen = tuple(sorted(chosen, key=int))
    else:
        person_filter, person_params = "1 = 1", []
    q = _Query(db, cdm, vocab, person_filter, person_params)

    step.note("MS drug exposures")
    exposures, dropped, no_ingredient, other = _exposures(q, window, catalogue, rule, vocabularies)
    step.update()
    step.note("stop reasons")
    exposures, unread = _with_reasons(pa, exposures)
    step.update()
    step.note("follow-up")
    follow_up, data_cut = _follow_up(q)
    step.update()
    step.note("diagnoses")
    diagnoses = _diagnoses(q)
    step.update()
    people, unread_genders = _people(q)
    read = OmopRead(
        exposures,
        follow_up,
        diagnoses,
        chosen,
        dropped,
        no_ingredient,
        other,
        unread,
        data_cut,
        rule,
        catalogue,
        people,
        unread_genders,
    )
    return attrs.evolve(read, births_after_records=_births_after_records(read))


def _births_after_records(read: OmopRead) -> tuple[tuple[str, str], ...]:
    """Persons born after one of their records, by the rule a patient keeps (nothing certainly
    before the birth date)."""
    earliest: dict[str, dt.date] = {}
    for table, column in (
        (read.exposures, "start"),
        (read.diagnoses, "date"),
        (read.follow_up, "last_follow_up"),
    ):
        for person, day in zip(table["person_id"].to_pylist(), table[column].to_pylist(), strict=True):
            if day is not None and (person not in earliest or day < earliest[person]):
                earliest[person] = day
    found = []
    for person, (_, birth) in read.personal().items():
        if birth is not None and person in earliest and earliest[person] < birth.first_day:
            found.append((person, str(birth)))
    return tuple(found)


def _end_expression(rule: EndDateRule, start: str, end: str, supply: str) -> str:
    days = f"CAST({supply} AS INTEGER)"
    if rule is EndDateRule.OHDSI_DRUG_ERA:
        return f"COALESCE({end}, NULLIF({start} + {days}, {start}), {start} + 1)"
    return f"COALESCE({end}, CASE WHEN {supply} >= 1 THEN {start} + {days} - 1 END, {start})"


def _sql_fold(expression: str) -> str:
    return f"lower(replace(replace(replace({expression}, ' ', ''), '-', ''), '_', ''))"


def _exposures(
    q: _Query,
    window: tuple[dt.date | None, dt.date | None],
    catalogue: Catalogue,
    rule: EndDateRule,
    vocabularies: tuple[str, ...],
) -> tuple[Any, tuple[tuple[str, int], ...], int, tuple[tuple[int, str, int], ...]]:
    import pyarrow as pa  # noqa: PLC0415

    db, p = q.db, q.db.param
    d = "drug_exposure"
    start, end = q.col(d, "drug_exposure_start_date", "d"), q.col(d, "drug_exposure_end_date", "d")
    supply, concept = q.col(d, "days_supply", "d"), q.col(d, "drug_concept_id", "d")
    reason = q.col(d, "stop_reason", "d") if q.cdm.has_column(d, "stop_reason") else "CAST(NULL AS TEXT)"
    end_value = _end_expression(rule, start, end, supply)
    lo, hi = window
    window_sql = (
        " OR ".join([f"{end_value} < {p}"] * (lo is not None) + [f"{start} > {p}"] * (hi is not None))
        or "1 = 0"
    )
    window_params = [x for x in (lo, hi) if x is not None]
    mapping: list[tuple[str, str, str]] = []
    for therapy in catalogue:
        if therapy.rxnorm:
            mapping.append(("code", therapy.rxnorm, therapy.name))
        mapping.extend(("name", key, therapy.name) for key in dict.fromkeys(fold(n) for n in therapy.names))
    values = ", ".join(f"({p}, {p}, {p})" for _ in mapping)
    c, ca = "concept", "concept_ancestor"
    sql_with = f"""
WITH kept AS (
  SELECT {q.col(d, "drug_exposure_id", "d")} AS drug_exposure_id, {q.col(d, "person_id", "d")} AS person_id,
    {concept} AS drug_concept_id, {start} AS start_date, {end_value} AS end_date, {reason} AS stop_reason,
    CASE WHEN {concept} IS NULL OR {concept} = 0 THEN 1
         WHEN {supply} < 0 THEN 2
         WHEN {end_value} < {start} THEN 3
         WHEN {window_sql} THEN 4
         ELSE 0 END AS dropped
  FROM {q.cdm.table(d)} d
  WHERE {q.persons_of(d, "d")}
), ing AS (
  SELECT {q.vcol(ca, "descendant_concept_id", "a")} AS drug_concept_id,
    {q.vcol(c, "concept_id", "c")} AS ingredient_concept_id,
    {q.vcol(c, "concept_code", "c")} AS code, {q.vcol(c, "concept_name", "c")} AS name
  FROM {q.vocab.table(ca)} a
  JOIN {q.vocab.table(c)} c ON {q.vcol(ca, "ancestor_concept_id", "a")} = {q.vcol(c, "concept_id", "c")}
  WHERE {q.vcol(c, "vocabulary_id", "c")} IN ({", ".join([p] * len(vocabularies))})
    AND {q.vcol(c, "concept_class_id", "c")} = 'Ingredient'
), map(kind, mkey, therapy) AS (VALUES {values}
), mapped AS (
  SELECT k.*, i.ingredient_concept_id, i.name, COALESCE(mc.therapy, mn.therapy) AS therapy
  FROM kept k JOIN ing i ON i.drug_concept_id = k.drug_concept_id
  LEFT JOIN map mc ON mc.kind = 'code' AND mc.mkey = i.code
  LEFT JOIN map mn ON mn.kind = 'name' AND mn.mkey = {_sql_fold("i.name")}
  WHERE k.dropped = 0
)"""
    params = [*window_params, *q.person_params, *vocabularies, *(x for row in mapping for x in row)]
    rows = db.arrow(
        sql_with
        + """
SELECT CAST(person_id AS TEXT), therapy, start_date, end_date, stop_reason, drug_exposure_id,
  ingredient_concept_id
FROM mapped WHERE therapy IS NOT NULL
ORDER BY person_id, therapy, start_date, end_date, drug_exposure_id""",
        params,
        ["person_id", "drug", "start", "end", "stop_reason", "drug_exposure_id", "ingredient_concept_id"],
        [pa.string(), pa.string(), pa.date32(), pa.date32(), pa.string(), pa.int64(), pa.int64()],
    )
    # Every count in one statement, so that the database reads drug_exposure once more only.
    counts = db.rows(
        sql_with
        + """
SELECT 1, dropped, NULL, COUNT(*) FROM kept GROUP BY dropped
UNION ALL
SELECT 2, 0, NULL, COUNT(*) FROM kept k WHERE k.dropped = 0
  AND NOT EXISTS (SELECT 1 FROM ing i WHERE i.drug_concept_id = k.drug_concept_id)
UNION ALL
SELECT 3, ingredient_concept_id, name, COUNT(*) FROM mapped WHERE therapy IS NULL
  GROUP BY ingredient_concept_id, name""",
        params,
    )
    dropped = tuple(
        (_DROPPED[int(k)], int(n)) for kind, k, _, n in sorted(counts, key=_key) if kind == 1 and k
    )
    missing = sum(int(n) for kind, _, _, n in counts if kind == 2)
    other = tuple((int(k), str(name), int(n)) for kind, k, name, n in sorted(counts, key=_key) if kind == 3)
    return rows, dropped, missing, other


def _key(row: tuple[Any, ...]) -> tuple[int, int]:
    return int(row[0]), int(row[1])


def _with_reasons(pa: Any, table: Any) -> tuple[Any, tuple[tuple[str, int], ...]]:
    """Add the ``reason`` column: each distinct stop_reason text read once, then taken by row."""
    import pyarrow.compute as pc  # noqa: PLC0415

    encoded = pc.dictionary_encode(table["stop_reason"]).combine_chunks()
    texts = encoded.dictionary.to_pylist()
    found = [stop_reasons(text) for text in texts]
    codes = pa.array(["" if f is None else ";".join(r.value for r in f) for f in found] + [""], pa.string())
    indices = pc.fill_null(encoded.indices, len(texts))
    counts = pc.value_counts(encoded.indices.drop_null()).to_pylist()
    unread = sorted((texts[c["values"]], int(c["counts"])) for c in counts if found[c["values"]] is None)
    return table.add_column(4, "reason", codes.take(indices)), tuple(unread)


def _follow_up(q: _Query) -> tuple[Any, dt.date | None]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    o, x = "observation_period", "death"
    observed = (
        f"SELECT {q.col(o, 'person_id', 'o')} AS p, MAX({q.col(o, 'observation_period_end_date', 'o')}) AS e "
        f"FROM {q.cdm.table(o)} o WHERE {q.persons_of(o, 'o')} GROUP BY {q.col(o, 'person_id', 'o')}"
    )
    params = list(q.person_params)
    if q.cdm.has_column(x, "person_id") and q.cdm.has_column(x, "death_date"):
        died = (
            f"SELECT {q.col(x, 'person_id', 'x')} AS p, MIN({q.col(x, 'death_date', 'x')}) AS d "
            f"FROM {q.cdm.table(x)} x WHERE {q.persons_of(x, 'x')} GROUP BY {q.col(x, 'person_id', 'x')}"
        )
        params += q.person_params
    else:  # a CDM without a usable death table (Eunomia's has no column names)
        died = "SELECT CAST(NULL AS BIGINT) AS p, CAST(NULL AS DATE) AS d WHERE 1 = 0"
    sql = f"""
WITH o AS ({observed}), x AS ({died})
SELECT CAST(COALESCE(o.p, x.p) AS TEXT), o.e, x.d,
  CASE WHEN x.d IS NULL THEN o.e WHEN o.e IS NULL THEN x.d WHEN x.d < o.e THEN x.d ELSE o.e END
FROM o FULL OUTER JOIN x ON o.p = x.p
ORDER BY COALESCE(o.p, x.p)"""
    names = ["person_id", "observation_end", "death_date", "last_follow_up"]
    table = q.db.arrow(sql, params, names, [pa.string(), pa.date32(), pa.date32(), pa.date32()])
    return table, pc.max(table["observation_end"]).as_py()


def _people(q: _Query) -> tuple[Any, tuple[tuple[int, int], ...]]:
    """Each person's gender concept and birth fields, and the sex the concept names."""
    import pyarrow as pa  # noqa: PLC0415

    t = "person"
    names = [
        "person_id",
        "gender_concept_id",
        "year_of_birth",
        "month_of_birth",
        "day_of_birth",
        "birth_datetime",
    ]
    types = [pa.string(), pa.int64(), pa.int64(), pa.int64(), pa.int64(), pa.date32()]
    if not q.cdm.has(t):
        return pa.table([pa.array([], k) for k in [*types, pa.string()]], names=[*names, "sex"]), ()
    # v5.3 and v5.4 both have these columns; a trimmed CDM may lack the optional ones.
    cols = [
        q.col(t, n, "p") if q.cdm.has_column(t, n) else "NULL"
        for n in ("gender_concept_id", "year_of_birth", "month_of_birth", "day_of_birth")
    ]
    born = (
        f"CAST({q.col(t, 'birth_datetime', 'p')} AS DATE)"
        if q.cdm.has_column(t, "birth_datetime")
        else "NULL"
    )
    sql = f"""
SELECT CAST({q.col(t, "person_id", "p")} AS TEXT), {", ".join(f"CAST({c} AS BIGINT)" for c in cols)}, {born}
FROM {q.cdm.table(t)} p WHERE {q.persons_of(t, "p")}
ORDER BY {q.col(t, "person_id", "p")}"""
    table = q.db.arrow(sql, q.person_params, names, types)
    sexes: dict[int, str | None] = {}
    unread: dict[int, int] = {}
    for concept in table["gender_concept_id"].to_pylist():
        if concept is None or concept == 0:  # OMOP's "no matching concept": not recorded
            continue
        if concept not in sexes:
            try:
                sex = read_sex(str(concept))  # the one reading of sex: 8532, 8507, 44814653, 8551
            except InvalidValueError:
                sex, unread[concept] = None, 0
            sexes[concept] = None if sex is None else sex.value
        if concept in unread:
            unread[concept] += 1
    column = [None if c is None else sexes.get(c) for c in table["gender_concept_id"].to_pylist()]
    return table.append_column("sex", pa.array(column, pa.string())), tuple(sorted(unread.items()))


def _diagnoses(q: _Query) -> Any:
    import pyarrow as pa  # noqa: PLC0415

    names = ["person_id", "condition", "date"]
    types = [pa.string(), pa.string(), pa.date32()]
    co, c, ca, p = "condition_occurrence", "concept", "concept_ancestor", q.db.param
    if not q.cdm.has(co):
        return pa.table([pa.array([], t) for t in types], names=names)
    sets = knowledge()[0]
    values = ", ".join(f"({p}, {p})" for _ in sets)
    sql = f"""
WITH cs(code, condition) AS (VALUES {values})
SELECT CAST({q.col(co, "person_id", "o")} AS TEXT), cs.condition,
  MIN({q.col(co, "condition_start_date", "o")})
FROM {q.cdm.table(co)} o
JOIN {q.vocab.table(ca)} a
  ON {q.vcol(ca, "descendant_concept_id", "a")} = {q.col(co, "condition_concept_id", "o")}
JOIN {q.vocab.table(c)} c ON {q.vcol(c, "concept_id", "c")} = {q.vcol(ca, "ancestor_concept_id", "a")}
JOIN cs ON cs.code = {q.vcol(c, "concept_code", "c")}
WHERE {q.vcol(c, "vocabulary_id", "c")} = 'SNOMED' AND {q.persons_of(co, "o")}
GROUP BY {q.col(co, "person_id", "o")}, cs.condition
ORDER BY 1, 2"""
    params = [x for s in sets for x in (s.snomed, s.condition.value)] + q.person_params
    return q.db.arrow(sql, params, names, types)
