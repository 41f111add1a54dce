"""SAMHSA's National Directories of substance use (SU) and mental health (MH) treatment facilities.

Each directory is one XLSX workbook with a "Facilities List" sheet (one row per facility, its
services as a space-separated code list) and a "Service Code Reference" sheet (the code list's
labels and categories). Both sheets are collected; the reference drives the code mapping.
"""

from typing import ClassVar

from spiders.tabular import TabularFileSpider


class SamhsaDirectorySpider(TabularFileSpider):
    """The 2023 national directories as published by SAMHSA (N-SUMHSS)."""

    name = "samhsa_directory"
    allowed_domains: ClassVar[list[str]] = ["samhsa.gov"]
    files: ClassVar[dict[str, str]] = {
        "samhsa_su": "https://www.samhsa.gov/data/sites/default/files/reports/national-directory-su-facilities-2023.xlsx",
        "samhsa_mh": "https://www.samhsa.gov/data/sites/default/files/reports/national-directory-mh-facilities-2023.xlsx",
    }
    replay_folder = "samhsa-national-directory-2023"
    sheets: ClassVar[dict[str, str]] = {
        "Facilities List": "samhsa_facility",
        "Service Code Reference": "service_code",
    }
