"""The supply-measures registry's tables (data/measures/*.yaml and confirmed events),
declared like every other table. One clause = one item group of a measure with its own type,
effective date, materials and tariff codes; a measure's later status changes (suspension,
lifting, ...) are events of their own, each known from the day it was announced."""

from __future__ import annotations

from supplywatch.catalog.schema import Field, Table

_ID = "regexp_full_match({col}, '[A-Za-z0-9][A-Za-z0-9_.-]*')"
_TYPES = (
    "'export_licence', 'export_ban', 'quota', 'export_tax', 'inspection', 'certification', "
    "'de_facto_halt', 'technology_ban', 'extraterritorial', 'production_halt', 'relaxation', "
    "'suspension', 'repeal'"
)

MEASURE_FIELDS: list[Field] = [
    Field(
        "measure_id",
        "VARCHAR",
        "Registry id of a measure (imposer, issuers, year, number).",
        constraint=_ID,
    ),
    Field("linked_measure_id", "VARCHAR", "The earlier measure a measure acts on.", constraint=_ID),
    Field(
        "by_measure_id",
        "VARCHAR",
        "The measure that made a status change (if any).",
        constraint=_ID,
    ),
    Field("clause_id", "VARCHAR", "Clause of the measure, as numbered in its text."),
    Field(
        "imposer_id_iso3",
        "VARCHAR",
        "Government taking the measure, ISO3.",
        constraint="regexp_full_match({col}, '[A-Z][A-Z0-9]{{2}}')",
        codes="country",
    ),
    Field("issuers_text", "VARCHAR", "Issuing bodies, ';'-separated (e.g. MOFCOM;GACC)."),
    Field(
        "legal_reference_text",
        "VARCHAR",
        "Legal reference (e.g. MOFCOM/GACC Announcement 2023 No. 23).",
    ),
    Field("title_text", "VARCHAR", "Title of the text."),
    Field("language_code", "VARCHAR", "Language of the official text (ISO 639-1)."),
    Field("published_date", "DATE", "Date of the official text."),
    Field(
        "first_reported_date", "DATE", "First public report of a measure without a text (de facto)."
    ),
    Field("targets_text", "VARCHAR", "Countries targeted: ALL or ISO3 codes, ';'-separated."),
    Field(
        "source_kind_code",
        "VARCHAR",
        "What the source is: official text, official page as captured, translation, news report.",
        constraint="{col} IN ('official', 'official-capture', 'translation', 'news')",
    ),
    Field("quote_text", "VARCHAR", "A short quote from the source."),
    Field(
        "review_text",
        "VARCHAR",
        "For a measure confirmed in the service's review queue: the candidate, the notice "
        "(SHA-256 of its text, kept beside the registry file), who confirmed it and when.",
    ),
    Field("item_group_text", "VARCHAR", "The item group a clause covers, as worded."),
    Field(
        "measure_type_code",
        "VARCHAR",
        "export_licence, export_ban, quota, export_tax, inspection, certification, "
        "de_facto_halt, technology_ban, extraterritorial, production_halt (controls); "
        "relaxation, suspension, repeal (relaxations).",
        constraint="{col} IN (" + _TYPES + ")",
    ),
    Field(
        "measure_class_code",
        "VARCHAR",
        "control (restricts supply) or relaxation (eases it).",
        constraint="{col} IN ('control', 'relaxation')",
    ),
    Field("effective_date", "DATE", "Date the clause takes effect (NULL: not known)."),
    Field("quantity_text", "VARCHAR", "Quota tonnes, tax rate ... as printed."),
    Field("national_code_text", "VARCHAR", "National tariff code as printed (8 or 10 digits)."),
    Field("is_code_typo", "BOOLEAN", "The printed code is malformed (flagged, kept as printed)."),
    Field(
        "event_seq",
        "INTEGER",
        "Order of a status change within its measure.",
        constraint="{col} >= 1",
    ),
    Field(
        "status_code",
        "VARCHAR",
        "suspended, resumed, lifted, repealed, expired, replaced.",
        constraint="{col} IN ('suspended', 'resumed', 'lifted', 'repealed', 'expired', 'replaced')",
    ),
    Field("from_date", "DATE", "First day of a status."),
    Field("to_date", "DATE", "Last day of a status (suspensions)."),
    Field(
        "relation_code",
        "VARCHAR",
        "How a measure acts on an earlier one.",
        constraint="{col} IN ('suspends', 'lifts', 'amends', 'expands', 'replaces')",
    ),
]

_L = ("available_date", "snapshot_id")

MEASURE_TABLES: list[Table] = [
    Table(
        "core_measures__measures",
        "Supply measures (export controls, bans, quotas, licences, suspensions) by governments.",
        (
            "measure_id",
            "imposer_id_iso3",
            "issuers_text",
            "legal_reference_text",
            "title_text",
            "language_code",
            "published_date",
            "first_reported_date",
            "targets_text",
            "source_url",
            "source_kind_code",
            "quote_text",
            "note_text",
            "review_text",
            *_L,
        ),
        ("measure_id",),
        required=("imposer_id_iso3", "targets_text", "source_url", "source_kind_code", *_L),
    ),
    Table(
        "core_measures__clauses",
        "A measure's clauses: one item group each, with its type and effective date.",
        (
            "measure_id",
            "clause_id",
            "item_group_text",
            "measure_type_code",
            "measure_class_code",
            "effective_date",
            "quantity_text",
            "note_text",
            *_L,
        ),
        ("measure_id", "clause_id"),
        required=("measure_type_code", "measure_class_code", *_L),
    ),
    Table(
        "core_measures__clause_materials",
        "Catalog materials a clause covers.",
        ("measure_id", "clause_id", "material_id", *_L),
        ("measure_id", "clause_id", "material_id"),
        required=_L,
    ),
    Table(
        "core_measures__clause_codes",
        "Tariff codes a clause names, as printed, with their HS6 in the revision in force when "
        "the measure was published (NULL for a code flagged as a typo).",
        (
            "measure_id",
            "clause_id",
            "national_code_text",
            "is_code_typo",
            "hs_revision_code",
            "product_id_hs6",
            "note_text",
            *_L,
        ),
        ("measure_id", "clause_id", "national_code_text"),
        required=("is_code_typo", "hs_revision_code", *_L),
    ),
    Table(
        "core_measures__status_events",
        "Later status changes of a measure (suspended from/to, lifted, ...), each known from "
        "the day it was announced.",
        (
            "measure_id",
            "event_seq",
            "status_code",
            "from_date",
            "to_date",
            "by_measure_id",
            "source_url",
            "source_kind_code",
            "note_text",
            *_L,
        ),
        ("measure_id", "event_seq"),
        required=("status_code", "from_date", *_L),
    ),
    Table(
        "core_measures__links",
        "Which earlier measures a measure suspends, lifts, amends, expands or replaces.",
        ("measure_id", "linked_measure_id", "relation_code", *_L),
        ("measure_id", "linked_measure_id", "relation_code"),
        required=_L,
    ),
]
