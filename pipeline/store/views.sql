-- The views, made again on every open (after the migrations, so an older file has every column they read).
-- The `listings` view is made by `pipeline.store.schema` from `pipeline.tables.LISTING_COLUMNS`.
-- One row per facility (a group of linked listings of different sources, or a lone listing),
-- with what its listings say merged: every value with the sources that give it.
CREATE OR REPLACE VIEW facilities AS
WITH m AS (
    SELECT fm.facility_id, l.*
    FROM facility_members fm JOIN listing_records l USING (listing_id)
    WHERE l.active
),
vals AS (
    SELECT facility_id, 'levels_of_care' AS field, unnest(levels_of_care) AS value, source FROM m
    UNION ALL SELECT facility_id, 'services', unnest(services), source FROM m
    UNION ALL SELECT facility_id, 'payments', unnest(payments), source FROM m
    UNION ALL SELECT facility_id, 'populations', unnest(populations), source FROM m
    UNION ALL SELECT facility_id, 'payers', unnest(payers), source FROM m
),
merged AS (
    SELECT facility_id, field,
           list({'value': value, 'sources': sources} ORDER BY value) AS values
    FROM (SELECT facility_id, field, value, list(DISTINCT source ORDER BY source) AS sources
          FROM vals GROUP BY ALL)
    GROUP BY ALL
),
-- Each member with its site (the parsed house number and street, and ZIP) and the links that
-- joined it: to which listing, the score and the reasons (rule first).
member_links AS (
    SELECT listing_id, list({'listing_id': other, 'score': score, 'reasons': reasons} ORDER BY other) AS links
    FROM (SELECT listing_a AS listing_id, listing_b AS other, score, reasons FROM facility_links
          UNION ALL SELECT listing_b, listing_a, score, reasons FROM facility_links)
    GROUP BY listing_id
),
members AS (
    SELECT m.facility_id,
           list({'listing_id': m.listing_id, 'source': m.source, 'name': m.name,
                 'site': CASE WHEN ls.street_number IS NOT NULL AND ls.street_name IS NOT NULL
                              THEN concat_ws(' ', ls.street_number, ls.street_predirectional, ls.street_name,
                                             ls.street_suffix, ls.street_postdirectional)
                                   || coalesce(', ' || m.zip5, '') END,
                 'links': coalesce(ml.links, [])} ORDER BY m.listing_id) AS members
    FROM m JOIN listings ls USING (listing_id) LEFT JOIN member_links ml USING (listing_id)
    GROUP BY m.facility_id
)
SELECT m.facility_id,
       count(*) AS listings,
       list(m.listing_id ORDER BY m.listing_id) AS listing_ids,
       list(DISTINCT m.source ORDER BY m.source) AS sources,
       arg_min(m.name, m.listing_id) AS name,
       arg_min(m.street, m.listing_id) AS street,
       arg_min(m.city, m.listing_id) AS city,
       arg_min(m.state, m.listing_id) AS state,
       arg_min(m.zip5, m.listing_id) AS zip5,
       list(DISTINCT m.phone ORDER BY m.phone) FILTER (WHERE m.phone IS NOT NULL) AS phones,
       any_value(lv.values) AS levels_of_care,
       any_value(sv.values) AS services,
       any_value(pv.values) AS payments,
       any_value(po.values) AS populations,
       any_value(py.values) AS payers,
       any_value(mb.members) AS members
FROM m
LEFT JOIN merged lv ON lv.facility_id = m.facility_id AND lv.field = 'levels_of_care'
LEFT JOIN merged sv ON sv.facility_id = m.facility_id AND sv.field = 'services'
LEFT JOIN merged pv ON pv.facility_id = m.facility_id AND pv.field = 'payments'
LEFT JOIN merged po ON po.facility_id = m.facility_id AND po.field = 'populations'
LEFT JOIN merged py ON py.facility_id = m.facility_id AND py.field = 'payers'
LEFT JOIN members mb ON mb.facility_id = m.facility_id
GROUP BY m.facility_id;
-- A decision holds while the evidence it was made on is unchanged: a review is keyed by listing
-- and rule, and the flag's status is the latest decision only if that decision saw this evidence.
CREATE OR REPLACE VIEW flags AS
WITH latest AS (
    SELECT listing_id, rule_id,
           arg_max(decision, reviewed_at) AS decision,
           arg_max(evidence_hash, reviewed_at) AS reviewed_hash,
           arg_max(note, reviewed_at) AS review_note,
           arg_max(reviewer, reviewed_at) AS reviewer,
           max(reviewed_at) AS reviewed_at,
           count(*) AS reviews
    FROM flag_reviews GROUP BY listing_id, rule_id
),
-- A flagged listing that states no state (a provider's page without an address) takes the state
-- of the listings it is linked with, when they agree on one.
placed AS (
    SELECT a.listing_id, min(o.state) AS state
    FROM facility_members a
    JOIN facility_members b ON b.facility_id = a.facility_id AND b.listing_id <> a.listing_id
    JOIN listing_records o ON o.listing_id = b.listing_id AND o.active AND o.state IS NOT NULL
    WHERE a.listing_id IN (SELECT listing_id FROM flag_records f JOIN listing_records l USING (listing_id)
                           WHERE l.state IS NULL)
    GROUP BY a.listing_id HAVING count(DISTINCT o.state) = 1
)
SELECT f.flag_id, f.listing_id, l.source, l.name, l.name2, l.city, coalesce(l.state, p.state) AS state,
       f.rule_id, f.rule_version,
       f.severity, f.confidence,
       CASE WHEN r.reviewed_hash = f.evidence_hash THEN r.decision ELSE 'open' END AS status,
       coalesce(r.reviewed_hash <> f.evidence_hash, false) AS reopened,
       f.message, f.evidence, f.evidence_hash, f.thresholds, f.active, f.first_seen, f.last_seen,
       f.first_run_id, f.last_run_id, r.review_note, r.reviewer, r.reviewed_at, coalesce(r.reviews, 0) AS reviews,
       l.source_record_id, l.source_url, l.source_codes, l.payers
FROM flag_records f
JOIN listing_records l USING (listing_id)
LEFT JOIN placed p ON p.listing_id = f.listing_id
LEFT JOIN latest r ON r.listing_id = f.listing_id AND r.rule_id = f.rule_id;
