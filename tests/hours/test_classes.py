"""The hours reader, one table per class of phrasing (issue 17), with examples written for this project.

Each class is read by composing the same pieces (figures and hedges, units, day sets, clock spans,
combination rules; see `docs/hours.md`), so every row varies the surface form of its class rather
than repeating one text. Rows are (text, context, min, max, basis); None is an open bound.
"""

import pytest

from pipeline.hours import estimate_hours
from schemas.vocab import HoursBasis

D, S, U = HoursBasis.DERIVED, HoursBasis.STATED, HoursBasis.UNKNOWN
Row = tuple[str, str | None, float | None, float | None, HoursBasis]

CLASSES: dict[str, list[Row]] = {
    "weekly range inside a longer phrase": [
        ("Our program offers anywhere from 9 to 12 hours of treatment each week.", None, 9, 12, S),
        ("Patients receive between 10 to 15 hours per week of group therapy.", None, 10, 15, S),
        ("Treatment ranging from 12 to 16 hours of therapy per week.", None, 12, 16, S),
        ("The IOP is offering 9-12 hours of structured care.", "These programs run 9\u201312 hours a week.", 9, 12, S),
        ("Our track offers 10 \u2013 14 hours of clinical services. That's every week.", None, 10, 14, S),
        ("Each week, clients complete 16 hours of treatment (groups and psychiatry).", None, 16, 16, S),
        ("IOP at a glance: • Weekly hours: 9\u201311 • Telehealth", None, 9, 11, S),
        ("Program hours: 10 per week", None, 10, 10, S),
        ("The Intensive Outpatient Program (IOP) is a 9-hour-per-week program.", None, 9, 9, S),
        ("Clients attend either 3 evenings a week (9 hours) or 4 mornings a week (12 hours).", None, 9, 12, S),
    ],
    "open bounds after the figure": [
        ("Clients attend 9 hours or more per week.", None, 9, None, S),
        ("Clients attend 9 hours per week or more.", None, 9, None, S),
        ("Participation is 20+ hours weekly.", None, 20, None, S),
        ("Participants attend 9 hours per week minimally.", None, 9, None, S),
        ("Members attend 12 hours a week, at minimum.", None, 12, None, S),
        ("Patients who do not require more than 11 hours of therapy per week", None, None, 11, S),
        ("The program does not exceed 19 hours per week.", None, None, 19, S),
        ("Intensive outpatient treatment may not exceed 19 hours per week.", None, None, 19, S),
        ("The minimum scheduled intensity for ASAM Level 2.5 is 20 hours per week.", None, 20, None, S),
        ("The maximum for adolescents is 12 hours a week.", None, None, 12, S),
        ("Treatment can last as long as 6 hours a day, Tuesday through Saturday.", None, None, 30, D),
        ("Our teen IOP meets Monday through Thursday 4 to 6 p.m., which adds up to 8 hours per week.", None, 8, 8, S),
    ],
    "day parts as days": [
        ("Group meets five mornings a week for 3 hours.", None, 15, 15, D),
        ("Group meets five mornings a week, 9am to noon.", None, 15, 15, D),
        ("Patients attend 4 half days per week, 3 hours each.", None, 12, 12, D),
        ("Participants come 3 half-days per week; each half-day runs 8:30 to 12:00.", None, 10.5, 10.5, D),
        ("Two evenings each week, 5:30-8:30 pm.", None, 6, 6, D),
    ],
    "clock spans written as verbs": [
        ("The day starts at 9 a.m. and runs until 3 p.m., Monday through Friday.", None, 30, 30, D),
        ("Patients arrive at 8:30 am and leave at 2:30 pm, five days a week.", None, 30, 30, D),
        ("Group begins at 6 p.m. and goes until 9 p.m. on Mondays, Wednesdays and Thursdays.", None, 9, 9, D),
        ("The IOP kicks off at 10:00 am and concludes at 1:00 pm on Tuesdays and Thursdays.", None, 6, 6, D),
        ("Evening group convenes at 6:00 PM and adjourns at 9:00 PM, three nights a week.", None, 9, 9, D),
        ("Check-in is at 8:45 a.m.; dismissal is at 2:15 p.m. Monday\u2013Friday.", None, 27.5, 27.5, D),
    ],
    "start and end windows": [
        (
            "Monday through Friday, programming starts between 8:30 and 9:00 a.m. and ends between 3:30 and 4:00 p.m.",
            None,
            32.5,
            37.5,
            D,
        ),
        ("Five days a week, groups start between 9 and 9:30 am and finish at 2 pm.", None, 22.5, 25, D),
        ("Start times vary from 9:00 to 9:30 am and sessions end from 12:00 to 1:00 pm, Mon-Thu.", None, 10, 16, D),
        ("Check-in between 8:45 and 9:15 AM, check-out between 2:45 and 3:15 PM, Mon\u2013Fri.", None, 27.5, 32.5, D),
        ("Evening IOP: start 6\u20136:30 pm, end 8:30\u20139:30 pm, Mon/Tue/Thu.", None, 6, 10.5, D),
        ("Check-in between 8:30 and 9:00 a.m.; program ends at 1:00 p.m., Monday through Thursday.", None, 16, 18, D),
    ],
    "ranges of days and hours in one clause": [
        ("Program runs 3 to 5 days per week, each day 4 to 6 hours.", None, 12, 30, D),
        ("IOP involves 3 hours per session, with sessions on three to five days of the week.", None, 9, 15, D),
        ("Clients come 2-4 days a week; per session: 3 hours.", None, 6, 12, D),
        ("Five days a week, daily 6 hours.", None, 30, 30, D),
        ("Clients attend 3 days a week, each day for 3 hours.", None, 9, 9, D),
        ("3 days x 3 hrs", None, 9, 9, D),
        ("Our IOP is 4 evenings \u00d7 3 hours.", None, 12, 12, D),
        ("How long is each day? Each day is about 3 hours. How many days a week? Three days.", None, 9, 9, D),
        ("How many hours a week? About 9.", None, 9, 9, S),
        ("Length of each session: 3 hours; Sessions per week: 4", None, 12, 12, D),
        ("Days per week: 5. Hours per day: 6.", None, 30, 30, D),
        ("Level 2.1: 9 or more hours of service a week for adults, 6 or more for adolescents.", None, 6, None, S),
    ],
    "up to N hours each weekday": [
        ("Up to 6 hours each weekday.", None, None, 30, D),
        ("It provides up to 5 hours of therapy each weekday.", None, None, 25, D),
        ("As many as 4 hours a day, Monday\u2013Thursday.", None, None, 16, D),
    ],
    "day ranges that start midweek": [
        ("Tuesday through Saturday, 6 hours a day.", None, 30, 30, D),
        ("Tuesday through Saturday, clients participate in 6 hours of counseling and groups.", None, 30, 30, D),
        ("Wed\u2013Sun 10am-1pm", None, 15, 15, D),
        ("Thursday to Monday, 9 a.m. to noon.", None, 15, 15, D),
        ("A PHP usually runs Tuesday through Saturday, roughly from 9 to 3.", None, 30, 30, D),
    ],
    "minute arithmetic and clock formats": [
        ("Monday-Friday 9:10 a.m. to 3:20 p.m.", None, 30.8333, 30.8333, D),
        ("from 9 in the morning until 3 in the afternoon, Monday through Friday", None, 30, 30, D),
        ("every weekday morning 9-12", None, 15, 15, D),
        ("Monday-Friday 9.00am \u2013 2.30pm", None, 27.5, 27.5, D),
        ("Monday-Friday 9.30 - 12.30pm", None, 15, 15, D),
        ("Monday-Friday 0900-1500", None, 30, 30, D),
        ("Mon-Fri 1300 to 1600 hrs", None, 15, 15, D),
        ("10a\u20131p, M\u2013F", None, 15, 15, D),
        ("4:00PM \u2013 7:00PM, M-Th", None, 12, 12, D),
    ],
    "flattened tables": [
        (
            "Schedule: Monday | 9:00 AM - 12:00 PM Tuesday | 9:00 AM - 12:00 PM Thursday | 9:00 AM - 12:00 PM",
            None,
            9,
            9,
            D,
        ),
        ("Tuesday 9am to 2pm | Thursday 9am to 12pm", None, 8, 8, D),
        ("Day | Time\nMonday | 9:00-10:30\nMonday | 10:30-12:00\nThursday | 9:00-12:00", None, 6, 6, D),
        ("Hours of operation: Mon-Fri 8 a.m.-5 p.m. Groups are held Mon, Wed and Thu, 9 a.m.-12 p.m.", None, 9, 9, D),
    ],
    "parts of one week add up": [
        (
            "Clients meet with their counselor once a week for an hour, and attend group 3 days a week for 3 hours.",
            None,
            10,
            10,
            D,
        ),
        (
            "Group therapy 3 days a week for 3 hours, plus a family session once a week for 1.5 hours.",
            None,
            10.5,
            10.5,
            D,
        ),
        ("Participants attend 3 or 4 days a week, 3 hours a day.", None, 9, 12, D),
        ("The program runs six days a week, Monday through Saturday, from 9 to 3.", None, 36, 36, D),
    ],
    "exceptions": [
        (
            "Program runs Monday through Friday from 9 a.m. to 3 p.m., except Fridays, when group ends at noon.",
            None,
            27,
            27,
            D,
        ),
        ("Monday-Thursday 9:00-12:00, except Thursdays, which end at 11:00.", None, 11, 11, D),
    ],
    "groups on different days add up": [
        ("Group 1 meets Monday and Wednesday 6-9 pm. Group 2 meets Thursday 6-8 pm.", None, 8, 8, D),
        ("Process group meets Tuesday and Thursday 6-8 pm. Relapse prevention meets Tuesday 8-9 pm.", None, 5, 5, D),
        ("The group meets Mondays, Tuesdays and Thursdays 9-12. Family group is Tuesday 9-12.", None, 9, 9, D),
        (
            "Skills group meets Monday from 4 pm to 6 pm Members talk about work. Family group meets Wednesday "
            "from 4 pm to 5:30 pm, or on request.",
            None,
            3.5,
            3.5,
            D,
        ),
    ],
    "seasons and tracks as alternatives": [
        (
            "IOP meets Monday, Wednesday and Friday from 9am to 12pm during the school year and Monday-Thursday "
            "9am-1pm in summer.",
            None,
            9,
            16,
            D,
        ),
        (
            "Summer schedule: 9:00am\u20131:00pm, Mon\u2013Thu. "
            "School-year schedule: 3:30pm\u20136:30pm, Mon, Wed, Thu.",
            None,
            9,
            16,
            D,
        ),
        (
            "The day schedule is Monday to Friday 9 to 12; the evening schedule is Monday, Wednesday and Thursday "
            "5 to 8 pm.",
            None,
            9,
            15,
            D,
        ),
        ("Three days per week, 3 hours per day or Five days per week, 2 hours per day.", None, 9, 10, D),
        ("Morning group: Mon-Fri, 9:00-12:00. Evening group: Mon, Wed and Thu, 5:30-8:30 p.m.", None, 9, 15, D),
        (
            "Evening IOP \u2014 two nights a week, 6:00\u20139:00 \u2014 for working adults. A daytime option runs "
            "9am to noon, Monday-Thursday.",
            None,
            6,
            12,
            D,
        ),
        ("Day program hours are 9am-3pm, Mon-Fri. Evening program hours are 5pm-8pm, Mon, Tue, Thu.", None, 9, 30, D),
        (
            "Three days per week (e.g., M/W/F), 3 hours per day.",
            "Four days per week (mornings or evenings), 3 hours per day.",
            9,
            12,
            D,
        ),
    ],
    "no weekly figure (rules 7 and 11)": [
        ("The program runs 6 hours a day.", None, None, None, U),
        ("Program is 36 hours over 6 weeks, meeting three days a week.", None, None, None, U),
        ("This 8-week program meets three evenings a week for three hours, totaling 72 hours.", None, 9, 9, D),
        ("Students attend school two days a week and participate in programming 4 hours a day.", None, None, None, U),
        ("Many clients keep working three days a week while attending the 3-hour program.", None, None, None, U),
        ("Teens get tutoring two afternoons a week; groups last 2.5 hours.", None, None, None, U),
        (
            "Teen PHP: classroom instruction three days a week with our teacher. Treatment day: 9 am - 2 pm.",
            None,
            None,
            None,
            U,
        ),
        ("Call 555-0100 for an assessment. Admissions are available Monday-Friday 8am-5pm.", None, None, None, U),
        ("Visiting hours are Saturday and Sunday 1-4 pm.", None, None, None, U),
        (
            "IOP groups meet Mon, Wed, Fri 6-9 pm, and our intake staff is available Monday-Friday 9 to 5.",
            None,
            9,
            9,
            D,
        ),
    ],
    "levels named in comparisons": [
        (
            "The Partial Hospital Program is the most intensive outpatient service we offer. It provides up to 6 "
            "hours of therapy each weekday.",
            None,
            None,
            30,
            D,
        ),
        (
            "IOPs bridge the gap between inpatient care and weekly outpatient therapy, offering 9-12 hours of care.",
            "They run 9\u201312 hours a week.",
            9,
            12,
            S,
        ),
    ],
    "Spanish": [
        ("Nuestro Programa Intensivo Ambulatorio ofrece 9 horas de terapia grupal por semana.", None, 9, 9, S),
        ("El programa ofrece entre 20 y 25 horas semanales de tratamiento.", None, 20, 25, S),
        ("El grupo se reúne tres tardes por semana, de 4:00 a 7:00 p. m.", None, 9, 9, D),
        ("Mínimo de 3 horas diarias, tres días a la semana.", None, 9, None, D),
        ("De martes a jueves, de 9:00 a 12:00.", None, 9, 9, D),
        ("Lunes, miércoles y viernes de 9:00 a. m. a 12:00 p. m.", None, 9, 9, D),
        ("Grupos de lunes a viernes de las 9 a las 12.", None, 15, 15, D),
        ("Horario: de 9 h a 14 h, de lunes a jueves", None, 20, 20, D),
        ("Se reúne martes y jueves de 5 a 8 de la tarde.", None, 6, 6, D),
    ],
}


@pytest.mark.parametrize(
    ("text", "context", "low", "high", "basis"),
    [pytest.param(*row, id=f"{name}: {row[0][:40]}") for name, rows in CLASSES.items() for row in rows],
)
def test_class_of_phrasing(
    text: str, context: str | None, low: float | None, high: float | None, basis: HoursBasis
) -> None:
    estimate = estimate_hours(text, context=context)
    assert (estimate.min, estimate.max, estimate.basis) == (
        pytest.approx(low, abs=0.01) if low is not None else None,
        pytest.approx(high, abs=0.01) if high is not None else None,
        basis,
    )


def test_two_levels_each_get_their_own_schedule() -> None:
    text = (
        "Partial hospitalization runs five days a week, six hours a day. Patients then step down to intensive "
        "outpatient, three days a week for three hours."
    )
    assert (estimate_hours(text, program="php").min, estimate_hours(text, program="php").max) == (30, 30)
    assert (estimate_hours(text, program="iop").min, estimate_hours(text, program="iop").max) == (9, 9)
    tagged = "Weeks 1-2: Monday-Friday, 9 am - 3 pm (PHP). Weeks 3-6: three days a week, 9 am - noon (IOP)."
    assert (estimate_hours(tagged, program="php").min, estimate_hours(tagged, program="iop").min) == (30, 9)
    brand = "A New Day Treatment Center: our IOP meets 3 days a week for 3 hours."
    assert estimate_hours(brand, program="iop").levels_named == {"iop"}
    similar = "A PHP is similar in intensity to inpatient care: 6 hours a day, 5 days a week."
    assert estimate_hours(similar, program="php").min == 30


@pytest.mark.parametrize(
    "text",
    [
        "Data from 2019-2020 shows 3 days a week",  # a year range is no 24-hour clock span
        "It is not a program that needs 3 days a week.",
        "Monday through Friday, 12 hours of treatment.",  # 12 a week or a day: not guessed
        "Clients attend 3 days a week, 9 hours.",
    ],
)
def test_ambiguous_or_unrelated_figures_give_no_hours(text: str) -> None:
    assert estimate_hours(text).basis is HoursBasis.UNKNOWN
