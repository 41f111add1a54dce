"""A corpus of malformed crawl output: each kind of bad input with the outcome a maintainer wants.

Every `Kind` is a few lines of an items.jsonl as a spider would write them (or as a broken spider,
a cut file or a strange source would), each with its expected outcome:

- `loaded`: the listing is still trustworthy; it is loaded cleaned, and `expect` gives values of
  its columns in the `listings` view (a callable checks a value instead), `warning` a pattern one
  of its warnings must match;
- `rejected`: it is not; it lands in `rejects` with `field` and a message matching `message`.

Rows are found again by source and `source_record_id` (`line N` for a row without a usable id).
`tests/normalize/test_bad_input.py` loads the whole corpus in one run and checks every row and the counts.
The rule: clean and load, with a warning, what is still a trustworthy listing; reject, with a
precise reason, what is not; never crash, and never store a NUL byte, an HTML tag or a cell past
the length limit.

`common` holds the rows' model and the record builders; the kinds are grouped by what they exercise:
`envelope` (lines that are no record, and the envelope any source's spider writes), then `samhsa`,
`ny_omh`, `findtreatment` and `program_pages`. `KINDS` is all of them, in that order.
"""

from tests.normalize.bad_input import envelope, findtreatment, ny_omh, program_pages, samhsa
from tests.normalize.bad_input.common import Kind

KINDS: list[Kind] = [*envelope.KINDS, *samhsa.KINDS, *ny_omh.KINDS, *findtreatment.KINDS, *program_pages.KINDS]
