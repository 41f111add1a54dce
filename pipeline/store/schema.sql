-- The tables of the database as this version creates them (`pipeline.store.schema.ensure_schema`).
-- A file made by an older version has them already; `migrations/` brings its columns up to date.
-- The columns of `listing_records` up to `fetched_at` are `pipeline.tables.LISTING_COLUMNS` (a test holds them equal).
CREATE TABLE IF NOT EXISTS listing_records (
    listing_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name2 VARCHAR,
    street VARCHAR,
    street2 VARCHAR,
    city VARCHAR,
    state VARCHAR,
    zip5 VARCHAR,
    phone VARCHAR,
    phones STRUCT(e164 VARCHAR, extension VARCHAR, original VARCHAR, kind VARCHAR)[],
    website VARCHAR,
    latitude DOUBLE,
    longitude DOUBLE,
    levels_of_care VARCHAR[],
    services VARCHAR[],
    payments VARCHAR[],
    payers VARCHAR[],
    payer_evidence VARCHAR[],
    payer_notes VARCHAR[],
    populations VARCHAR[],
    service_evidence VARCHAR[],
    hours_min DOUBLE,
    hours_max DOUBLE,
    hours_basis VARCHAR,
    hours_evidence VARCHAR[],
    schedule_text VARCHAR,
    schedule STRUCT(day INTEGER, start_minute INTEGER, end_minute INTEGER, track VARCHAR)[],
    hours_level VARCHAR,
    name_levels VARCHAR[],
    text_levels VARCHAR[],
    php_cues VARCHAR[],
    source_codes VARCHAR[],
    warnings VARCHAR[],
    source_url VARCHAR,
    source_file VARCHAR,
    source_record_id VARCHAR,
    fetched_at TIMESTAMPTZ,
    content_hash VARCHAR NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    last_changed TIMESTAMPTZ NOT NULL,
    first_run_id VARCHAR NOT NULL,
    last_run_id VARCHAR NOT NULL,
    active BOOLEAN NOT NULL,
    street_number VARCHAR,
    street_rest VARCHAR
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    status VARCHAR,
    sources VARCHAR[],
    seen BIGINT, loaded BIGINT, rejected BIGINT,
    new BIGINT, changed BIGINT, unchanged BIGINT, gone BIGINT,
    message VARCHAR
);
CREATE TABLE IF NOT EXISTS run_sources (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    complete BOOLEAN,
    status VARCHAR,
    seen BIGINT, loaded BIGINT, rejected BIGINT,
    new BIGINT, changed BIGINT, unchanged BIGINT, gone BIGINT,
    warnings BIGINT,
    crawl_stats JSON,
    message VARCHAR
);
CREATE TABLE IF NOT EXISTS rejects (
    run_id VARCHAR NOT NULL,
    source VARCHAR,
    source_url VARCHAR,
    source_file VARCHAR,
    source_record_id VARCHAR,
    field VARCHAR,
    message VARCHAR,
    raw VARCHAR
);
CREATE TABLE IF NOT EXISTS codes (
    source VARCHAR NOT NULL,
    category_code VARCHAR,
    category_name VARCHAR,
    code VARCHAR NOT NULL,
    label VARCHAR,
    description VARCHAR,
    vocabulary VARCHAR[],
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS listing_changes (
    run_id VARCHAR NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    listing_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    change VARCHAR NOT NULL,
    fields VARCHAR[],
    before JSON,
    after JSON
);
CREATE TABLE IF NOT EXISTS facility_links (
    listing_a VARCHAR NOT NULL,
    listing_b VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    reasons VARCHAR[],
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS facility_members (
    facility_id VARCHAR NOT NULL,
    listing_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS flag_records (
    flag_id VARCHAR NOT NULL,
    listing_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    rule_version INTEGER NOT NULL,
    severity VARCHAR NOT NULL,
    message VARCHAR,
    evidence JSON,
    evidence_hash VARCHAR NOT NULL,
    thresholds JSON,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    first_run_id VARCHAR,
    last_run_id VARCHAR,
    active BOOLEAN NOT NULL,
    confidence VARCHAR
);
CREATE TABLE IF NOT EXISTS flag_reviews (
    review_id VARCHAR NOT NULL,
    flag_id VARCHAR NOT NULL,
    listing_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    evidence_hash VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,
    note VARCHAR,
    reviewer VARCHAR,
    reviewed_at TIMESTAMPTZ NOT NULL
);
