-- Street addresses without their house numbers, parsed once by `pipeline.clean.street` (usaddress,
-- USPS Publication 28) when a load first meets them (`pipeline.store.streets`); the `listings`
-- view shows each listing's components from here. An older file gains it on its next load or link.
CREATE TABLE IF NOT EXISTS street_names (
    rest VARCHAR PRIMARY KEY,
    predirectional VARCHAR,
    name VARCHAR,
    suffix VARCHAR,
    postdirectional VARCHAR,
    unit VARCHAR,
    parser VARCHAR
);
