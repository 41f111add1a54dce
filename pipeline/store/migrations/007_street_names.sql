-- Street addresses without their house numbers, parsed once by `pipeline.clean.street` (usaddress,
-- USPS Publication 28) when linking first meets them; the `listings` view shows each listing's
-- components from here. Filled by the link step, so an older file gains it on its next run.
CREATE TABLE IF NOT EXISTS street_names (
    rest VARCHAR PRIMARY KEY,
    predirectional VARCHAR,
    name VARCHAR,
    suffix VARCHAR,
    postdirectional VARCHAR,
    unit VARCHAR,
    parser VARCHAR
);
