"""The synthetic-listing generator of the scale benchmark (`benchmarks.synthetic`).

Templates are a handful of hand-written records in the shapes the spiders write, so the tests
run in a second and need no crawl.
"""

import json
from pathlib import Path
from random import Random

import duckdb
import pytest

from benchmarks import synthetic
from benchmarks.synthetic import perturb_row, perturb_schedule, section_template, write_synthetic
from pipeline.clean import clean_state, clean_zip
from pipeline.normalize.run import normalize_file

SHARED = Path(__file__).resolve().parents[3] / "shared"
SU_URL = "https://www.samhsa.gov/data/sites/default/files/reports/national-directory-su-facilities-2023.xlsx"


def _code(code: str, category: str, name: str) -> dict:
    return {
        "record_type": "service_code",
        "source": "samhsa_su",
        "source_url": SU_URL,
        "source_file": "national-directory-su-facilities-2023.xlsx",
        "record_id": f"Service Code Reference!{code}",
        "fetched_at": "2026-11-27T12:00:00+00:00",
        "fields": {
            "category_code": category,
            "category_name": "Type of Care",
            "service_code": code,
            "service_name": name,
            "service_description": "",
        },
    }


def _facility(row: int, name: str, street: str, city: str, state: str, zip_code: str, phone: str, **extra: str) -> dict:
    fields = {
        "Name1": name,
        "Name2": extra.get("Name2", ""),
        "Street1": street,
        "Street2": "",
        "City": city,
        "State": state,
        "Zip": zip_code,
        "Phone": phone,
        "Intake1": extra.get("Intake1", ""),
        "Intake2": "",
        "Intake1a": "",
        "Intake2a": "",
        "Service_code_info": "SA * OP OIT * CBT TELE * MD SF",
    }
    return {
        "record_type": "samhsa_facility",
        "source": "samhsa_su",
        "source_url": SU_URL,
        "source_file": "national-directory-su-facilities-2023.xlsx",
        "record_id": f"Facilities List!{row}",
        "fetched_at": "2026-11-27T12:00:00+00:00",
        "fields": fields,
    }


def _section(url: str, name: str, level: str, text: str, json_ld: str | None = None) -> dict:
    site = url.split("/")[2].removeprefix("www.")
    return {
        "record_type": "program_section",
        "source": "program_pages",
        "source_url": url,
        "source_file": "/" + url.split("/", 3)[3],
        "record_id": f"{url}#1",
        "fetched_at": "2026-11-27T12:00:00+00:00",
        "fields": {
            "site": site,
            "page_title": name,
            "program_name": name,
            "heading_level": level,
            "schedule_text": text,
            "json_ld": json_ld,
        },
    }


TEMPLATE = [
    _code("SA", "TC", "Substance use treatment"),
    _code("OP", "SET", "Outpatient"),
    _code("OIT", "SET", "Intensive outpatient treatment"),
    _facility(2, "Shelby County Treatment Center", "750 Highway 31 South", "Alabaster", "AL", "35007", "205-216-0200"),
    _facility(3, "Bradford Health Services", "1600 Corporate Parkway", "Birmingham", "AL", "35242", "205-980-3900 x12"),
    _facility(4, "Howard Center", "208 Flynn Avenue", "Burlington", "VT", "05401", "802-488-6000", Name2="Pine Street"),
    _facility(5, "Northeast Kingdom Human Services", "2225 Portland Street", "Saint Johnsbury", "VT", "05819", ""),
    _facility(6, "Clara Martin Center", "11 Main Street", "Randolph", "VT", "05060", "802-728-4466", Intake1=""),
    _section(
        "https://aprodigalspath.com/services/intensive-outpatient-program/",
        "Intensive Outpatient Program",
        "iop",
        "Group sessions meet three times per week from 10 a.m. until 1 p.m., Monday through Friday.",
    ),
    _section(
        "https://www.seton.net/php",
        "Partial Hospitalization Program (PHP)",
        "php",
        "PHPs typically meet Monday through Friday for about six hours (usually 9 a.m. to 3 p.m.)",
        json.dumps([{"@type": "MedicalClinic", "name": "Seton", "url": "https://www.seton.net/"}]),
    ),
]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TEMPLATE), encoding="utf-8")
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_same_seed_same_bytes_other_seed_other_bytes(template: Path, tmp_path: Path) -> None:
    first = write_synthetic(template, tmp_path / "a.jsonl", 300, seed=7)
    write_synthetic(template, tmp_path / "b.jsonl", 300, seed=7)
    write_synthetic(template, tmp_path / "c.jsonl", 300, seed=8)
    a, b, c = ((tmp_path / f"{x}.jsonl").read_bytes() for x in "abc")
    assert a == b
    assert a != c
    assert first.bytes == len(a)


def test_counts_and_code_rows_copied_once_at_the_top(template: Path, tmp_path: Path) -> None:
    stats = write_synthetic(template, tmp_path / "out.jsonl", 200, section_share=0.1)
    lines = _lines(tmp_path / "out.jsonl")
    assert (stats.listings, stats.directory_rows, stats.program_sections, stats.code_rows) == (200, 180, 20, 3)
    assert len(lines) == 203
    template_codes = [json.dumps(r) for r in TEMPLATE if r["record_type"] == "service_code"]
    assert lines[:3] == template_codes  # unchanged, byte for byte
    records = [json.loads(line) for line in lines[3:]]
    assert all(r["record_type"] != "service_code" for r in records)
    assert sum(r["record_type"] == "program_section" for r in records) == 20
    # Sections are spread through the file, not bunched at one end.
    first_half = records[:100]
    assert sum(r["record_type"] == "program_section" for r in first_half) == 10


def test_lines_are_json_as_the_spiders_write_it(template: Path, tmp_path: Path) -> None:
    write_synthetic(template, tmp_path / "out.jsonl", 100)
    for line in _lines(tmp_path / "out.jsonl"):
        record = json.loads(line)
        assert json.dumps(record, ensure_ascii=False) == line  # the pre-encoded fast path matches
        assert set(record) == {
            "record_type",
            "source",
            "source_url",
            "source_file",
            "record_id",
            "fetched_at",
            "fields",
        }
        assert all(v is None or isinstance(v, str) for v in record["fields"].values())
        if record["record_type"] != "service_code":
            assert record["fetched_at"] == synthetic.FETCHED_AT


def test_record_ids_unique_and_normalized_listings_distinct(template: Path, tmp_path: Path) -> None:
    write_synthetic(template, tmp_path / "out.jsonl", 400, section_share=0.1)
    records = [json.loads(line) for line in _lines(tmp_path / "out.jsonl")]
    ids = [(r["source"], r["record_id"]) for r in records if r["record_type"] != "service_code"]
    assert len(set(ids)) == len(ids) == 400
    assert "Facilities List!2#r0" in {r for _, r in ids}

    result = normalize_file(tmp_path / "out.jsonl", tmp_path / "norm", "run-1")
    normalized = sum(c.normalized for c in result.counts.values())
    rejected = sum(c.rejected for c in result.counts.values())
    assert normalized + rejected == 400
    assert normalized >= 390  # the mess is mostly cleanable; a missing state is the only reject
    glob = str(tmp_path / "norm" / "listings*.parquet")
    total, distinct, sections, with_hours = duckdb.sql(
        "SELECT count(*), count(DISTINCT listing_id), count(*) FILTER (source = 'program_pages'),"
        f" count(hours_min) FILTER (source = 'program_pages') FROM '{glob}'"
    ).fetchall()[0]
    assert total == normalized
    assert distinct >= total - 2  # replicas are distinct listings, not copies
    assert sections == 40
    assert with_hours >= 36


def test_replicas_keep_state_zip_of_the_state_and_phone_exchange(template: Path, tmp_path: Path) -> None:
    write_synthetic(template, tmp_path / "out.jsonl", 500, section_share=0)
    originals = {r["record_id"]: r["fields"] for r in TEMPLATE if r["record_type"] == "samhsa_facility"}
    state_zips: dict[str, set[str]] = {}
    for fields in originals.values():
        state_zips.setdefault(fields["State"], set()).add(fields["Zip"])
    changed_names = changed_phones = 0
    for line in _lines(tmp_path / "out.jsonl")[3:]:
        record = json.loads(line)
        base, _, replica = record["record_id"].partition("#r")
        assert replica.isdigit()
        original, fields = originals[base], record["fields"]
        state = clean_state(fields["State"])
        if state is None:
            assert fields["State"] == ""  # the rare row made to be rejected
            continue
        assert state == original["State"]
        zip5, _ = clean_zip(fields["Zip"], state)
        assert zip5 in state_zips[state]
        assert set(fields) == set(original)
        digits = "".join(c for c in fields["Phone"] if c.isdigit())
        if original["Phone"] and fields["Phone"] != synthetic.PLACEHOLDER_PHONE:
            assert digits[:6] == "".join(c for c in original["Phone"] if c.isdigit())[:6]
            changed_phones += fields["Phone"] != original["Phone"]
        changed_names += (fields["Name1"], fields["Name2"]) != (original["Name1"], original["Name2"])
        assert set(fields["Service_code_info"].split()) <= set(original["Service_code_info"].split())
    assert changed_names > 200
    assert changed_phones > 250


def test_perturb_row_is_deterministic_and_keeps_columns() -> None:
    fields = TEMPLATE[3]["fields"]
    places = {"AL": [("Alabaster", "35007"), ("Birmingham", "35242")]}
    first = [perturb_row(fields, places, Random(1)) for _ in range(2)]
    assert first[0] == first[1]
    assert set(first[0]) == set(fields)
    assert fields["Name1"] == "Shelby County Treatment Center"  # the template is not modified


def test_perturb_schedule_shifts_times_and_counts() -> None:
    text = "IOP meets three days a week, 3 hours a day, Monday through Friday from 9 a.m. to 12 p.m."
    outputs = {perturb_schedule(text, Random(seed)) for seed in range(40)}
    assert len(outputs) > 10
    assert any("four days a week" in o or "two days a week" in o for o in outputs)
    assert any("to 1 p.m." in o or "to 11 a.m." in o or "to 12:30 p.m." in o for o in outputs)
    assert any("Monday through Thursday" in o for o in outputs)
    # Ranges that are not clock times stay as written; "12 noon" is left alone.
    assert perturb_schedule("A 6-12 week program", Random(1)) == "A 6-12 week program"
    noon = "Open 9 a.m. to 12 noon"
    assert all(perturb_schedule(noon, Random(s)).endswith("12 noon") for s in range(20))


def test_sections_have_unique_urls_and_keep_their_level(template: Path, tmp_path: Path) -> None:
    write_synthetic(template, tmp_path / "out.jsonl", 100, section_share=0.5)
    sections = [json.loads(line) for line in _lines(tmp_path / "out.jsonl")[3:]]
    sections = [r for r in sections if r["record_type"] == "program_section"]
    assert len(sections) == 50
    assert len({r["source_url"] for r in sections}) == 50
    for record in sections:
        assert record["record_id"] == f"{record['source_url']}#1"
        assert record["fields"]["heading_level"] in {"iop", "php"}
        assert record["fields"]["schedule_text"]
        if record["fields"]["json_ld"]:
            assert isinstance(json.loads(record["fields"]["json_ld"]), list)


def test_eval_records_as_section_templates(template: Path, tmp_path: Path) -> None:
    evals = tmp_path / "evals.jsonl"
    evals.write_text(
        json.dumps(
            {
                "url": "https://example.org/iop",
                "program_label": "other",
                "self_label": "Youth Day Treatment",
                "text": "Typical schedule: 3-5 days/week (e.g., 3:00-8:00).",
                "context_text": "After school.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    parsed = section_template(json.loads(evals.read_text(encoding="utf-8")))
    assert parsed is not None
    assert parsed.heading_level == "php"  # "day treatment" names PHP
    assert parsed.schedule_text.endswith("After school.")
    stats = write_synthetic(template, tmp_path / "out.jsonl", 20, section_share=0.5, section_templates=evals)
    assert stats.program_sections == 10
    names = [json.loads(line)["fields"].get("program_name") for line in _lines(tmp_path / "out.jsonl")[3:]]
    assert sum("Youth Day Treatment" in (n or "") for n in names) == 10


def test_no_section_templates_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "template.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TEMPLATE[:8]), encoding="utf-8")
    monkeypatch.setattr(synthetic, "DEFAULT_SECTION_TEMPLATES", tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="section"):
        write_synthetic(path, tmp_path / "out.jsonl", 10, section_share=0.5)
    assert write_synthetic(path, tmp_path / "out.jsonl", 10, section_share=0).directory_rows == 10


def test_cli_prints_stats(template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    assert synthetic.main(["--template", str(template), "--out", str(out), "--n", "50", "--seed", "3"]) == 0
    stats = json.loads(capsys.readouterr().out.splitlines()[0])
    assert stats["listings"] == 50
    assert stats["path"] == str(out)


@pytest.mark.skipif(not (SHARED / "eval" / "schedules_public.jsonl").is_file(), reason="shared eval set not present")
def test_real_eval_schedules_all_make_templates() -> None:
    path = SHARED / "eval" / "schedules_public.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    templates = [section_template(r) for r in records]
    assert all(t is not None for t in templates)
    # A record labelled IOP or PHP keeps that level ("other" programs take the level their name reads).
    labelled = [(r["program_label"].lower(), t.heading_level) for r, t in zip(records, templates, strict=True)]
    assert all(level == label for label, level in labelled if label in {"iop", "php"})


def test_line_matches_json_dumps_even_for_a_column_the_template_lacks() -> None:
    record = {**TEMPLATE[3], "fields": {k: v for k, v in TEMPLATE[3]["fields"].items() if k != "Phone"}}
    row = synthetic.DirectoryRow(record, {})
    changes = {"Name1": "Shelby \u00c9 Center", "Phone": "(999) 999-9999", "Street2": None}
    expected = {**record, "record_id": "Facilities List!2#r4", "fetched_at": synthetic.FETCHED_AT}
    expected["fields"] = row.replica(changes)
    assert row.line(4, changes) == json.dumps(expected, ensure_ascii=False)
