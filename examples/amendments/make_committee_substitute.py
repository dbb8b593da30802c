"""Rebuild ramsa_committee_substitute/ from rules/ramsa: copy it, then apply the amendments.

    python examples/amendments/make_committee_substitute.py [TARGET_DIRECTORY]

The committee substitute is hypothetical (see README.md). Every edit names the exact text it
replaces, so when rules/ramsa changes under an edit the script stops and says which one; other
changes of rules/ramsa are carried over, which keeps `rules diff` about the amendment only.
Copied: the rule files, data/ and bill/ (tests/ and examples/ are not part of the amendment).
"""
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
from interpreter.editor.format import format_text  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
SOURCE = os.path.join(ROOT, "rules", "ramsa")
TARGET = os.path.join(HERE, "ramsa_committee_substitute")

RULE_EDITS: list[tuple[str, list[tuple[str, str]]]] = []


def amend(path: str, pairs: list[tuple[str, str]]) -> None:
    RULE_EDITS.append((path, pairs))


# ---- act.rules: the ProductForm vocabulary gains semiconductor wafers (§3(7) as amended)
amend("act.rules", [
    ('  semi_finished_good "a semi-finished good such as a semiconductor wafer, anode or cathode (§3(3)(B)(i))"\n',
     '  semi_finished_good "a semi-finished good other than a semiconductor wafer, such as an anode or cathode (§3(3)(B)(i))"\n'
     '  semiconductor_wafer "a semiconductor wafer: a semi-finished good (§3(3)(B)(i)) and a select derivative product (§3(7), as amended)"\n'),
])

# ---- §3(3)(B)(i), §3(4), §3(7)
amend("s3_definitions.rules", [
    # §3(3)(B)(i): a wafer is still a semi-finished good (conforming change; the statute text is unchanged)
    ('''        value ImportLine.is_semi_finished_good: boolean "the good is a semi-finished good that incorporates a critical mineral"
          = line.form = semi_finished_good and incorporates_a_critical_mineral''',
     '''        note "Semiconductor wafers have their own ProductForm since §3(7) names them; they remain semi-finished goods."
        value ImportLine.is_semi_finished_good: boolean "the good is a semi-finished good that incorporates a critical mineral"
          = line.form in {semi_finished_good, semiconductor_wafer} and incorporates_a_critical_mineral'''),
    # §3(4): subparagraph (B) ("includes Venezuela") struck; (A) folded into the paragraph
    ('''  paragraph (4) "FOREIGN COUNTRY OF CONCERN":
    text "The term “foreign country of concern”—"
    value foreign_countries_of_concern: set of text "the foreign countries of concern (ISO codes)"
      = countries_of_concern_under_4651 + countries_of_concern_added_by_this_act
    subparagraph (A):
      text """has the meaning given that term in section 9901 of the William M. (Mac) Thornberry
        National Defense Authorization Act for Fiscal Year 2021 (15 U.S.C. 4651)); and"""
      note "15 U.S.C. 4651(7)(A) takes the covered nations of 10 U.S.C. 4872(d): North Korea, China, Russia and Iran. No designation under 4651(7)(B) was found (data/SOURCES.md)."
      value countries_of_concern_under_4651: set of text "countries of concern under 15 U.S.C. 4651(7)"
        = {nation.iso3 for nation in covered_nations}
    subparagraph (B):
      text "includes Venezuela."
      value countries_of_concern_added_by_this_act: set of text "countries this Act adds" = {"VEN"}
''',
     '''  paragraph (4) "FOREIGN COUNTRY OF CONCERN":
    text """The term “foreign country of concern” has the meaning given that term in section 9901 of the
      William M. (Mac) Thornberry National Defense Authorization Act for Fiscal Year 2021 (15 U.S.C. 4651)."""
    note "The committee substitute strikes subparagraph (B) (“includes Venezuela”) and folds subparagraph (A) into the paragraph. Venezuela is now a foreign country of concern only if designated under 15 U.S.C. 4651(7)(B); no designation was found."
    note "15 U.S.C. 4651(7)(A) takes the covered nations of 10 U.S.C. 4872(d): North Korea, China, Russia and Iran. No designation under 4651(7)(B) was found (data/SOURCES.md)."
    value foreign_countries_of_concern: set of text "the foreign countries of concern (ISO codes)"
      = countries_of_concern_under_4651
    value countries_of_concern_under_4651: set of text "countries of concern under 15 U.S.C. 4651(7)"
      = {nation.iso3 for nation in covered_nations}
'''),
    # §3(7): semiconductor wafers added
    ('''    text """The term “select derivative product” means a permanent magnet, a lithium-ion battery for
      an electrical vehicle, a lithium-ion battery for a vehicle that is not an electrical vehicle,
      or a part for a battery that is not a lithium-ion battery."""
    value ImportLine.is_select_derivative_product: boolean "the good is a select derivative product"
      = line.form in {permanent_magnet, lithium_ion_battery_ev, lithium_ion_battery_other, battery_part_non_lithium}''',
     '''    text """The term “select derivative product” means a permanent magnet, a lithium-ion battery for
      an electrical vehicle, a lithium-ion battery for a vehicle that is not an electrical vehicle,
      a part for a battery that is not a lithium-ion battery, or a semiconductor wafer."""
    value ImportLine.is_select_derivative_product: boolean "the good is a select derivative product"
      = line.form in {permanent_magnet, lithium_ion_battery_ev, lithium_ion_battery_other, battery_part_non_lithium,
                      semiconductor_wafer}'''),
])

# ---- §4(e)(2) (conforming: 100 percent of select derivative products now includes wafers),
#      §4(f)(2) 60-day window, §4(k)(2) technical correction
amend("s4_alliance.rules", [
    ('''        = {permanent_magnet, lithium_ion_battery_ev, lithium_ion_battery_other, battery_part_non_lithium}
          - country.agreement_covered_select_products''',
     '''        = {permanent_magnet, lithium_ion_battery_ev, lithium_ion_battery_other, battery_part_non_lithium,
           semiconductor_wafer}
          - country.agreement_covered_select_products'''),
    ('note "Day counting: the 90-day period after a certification submitted on day D runs from D + 1 to D + 90 days; it “has elapsed” from D + 91 days."',
     'note "Day counting: the 60-day period after a certification submitted on day D runs from D + 1 to D + 60 days; it “has elapsed” from D + 61 days."'),
    ('counts as enacted during “that 90-day period” (paragraph (2))', 'counts as enacted during “that 60-day period” (paragraph (2))'),
    ('text """a period of 90 days has elapsed after the submission of a certification that the country is',
     'text """a period of 60 days has elapsed after the submission of a certification that the country is'),
    ('disapproval is not enacted into law under subsection (i) during that 90-day period."""',
     'disapproval is not enacted into law under subsection (i) during that 60-day period."""'),
    ('deadline Country.review_period_end: date "last day of the 90-day congressional review period after certification"',
     'deadline Country.review_period_end: date "last day of the 60-day congressional review period after certification"'),
    ('= country.certification_date + 90 days', '= country.certification_date + 60 days'),
    ('value Country.disapproved_during_review_period: boolean "a joint resolution of disapproval was enacted during the 90-day period (the day of submission included)"',
     'value Country.disapproved_during_review_period: boolean "a joint resolution of disapproval was enacted during the 60-day period (the day of submission included)"'),
    ('value Country.review_period_lapsed_without_disapproval: boolean "90 days have elapsed after the certification with no joint resolution of disapproval enacted"',
     'value Country.review_period_lapsed_without_disapproval: boolean "60 days have elapsed after the certification with no joint resolution of disapproval enacted"'),
    ('value Country.review_period_lapsed_before_agreement_date: boolean "the 90-day period had elapsed without disapproval by the agreement\'s date"',
     'value Country.review_period_lapsed_before_agreement_date: boolean "the 60-day period had elapsed without disapproval by the agreement\'s date"'),
    ('''        criteria eligibility criteria under subsection (b), a detailed description of the deficiencies of
        the government of the country in complying with the criteria; and"""
      note "“the criteria eligibility criteria” is read as “the eligibility criteria”."
''',
     '''        eligibility criteria under subsection (b), a detailed description of the deficiencies of the
        government of the country in complying with the criteria; and"""
'''),
])

# ---- §6(d)(1): 60/20/20 -> 50/30/20
amend("s6_trust_fund.rules", [
    ('each share (60, 20, 20 percent) is first rounded down to the cent',
     'each share (50, 30, 20 percent) is first rounded down to the cent'),
    ('Every share is then within one cent of its exact percentage, and the three add up to the total exactly. (Before, (B) and (C) were rounded down and (A) took every remainder cent, which could put it more than a cent from its exact 60 percent.)"',
     'Every share is then within one cent of its exact percentage, and the three add up to the total exactly."'),
    ('''        text """60 percent of such amounts shall be available to the Loan Programs Office of the Department of''',
     '''        text """50 percent of such amounts shall be available to the Loan Programs Office of the Department of'''),
    ('''        decision FiscalYear.available_to_doe_loan_programs_office: money "available to the DOE Loan Programs Office (60 percent, to the cent by largest remainder)"
          = apportion(trust_fund_receipts, 2, 1, 60%, 20%, 20%)
          note "Part 1 of 60/20/20 by''',
     '''        decision FiscalYear.available_to_doe_loan_programs_office: money "available to the DOE Loan Programs Office (50 percent, to the cent by largest remainder)"
          = apportion(trust_fund_receipts, 2, 1, 50%, 30%, 20%)
          note "Part 1 of 50/30/20 by'''),
    ('''        text """20 percent of such amounts shall be available to the Department of Defense for activities to''',
     '''        text """30 percent of such amounts shall be available to the Department of Defense for activities to'''),
    ('''        decision FiscalYear.available_to_department_of_defense: money "available to the Department of Defense (20 percent, to the cent by largest remainder)"
          = apportion(trust_fund_receipts, 2, 2, 60%, 20%, 20%)
          note "Part 2 of 60/20/20 by''',
     '''        decision FiscalYear.available_to_department_of_defense: money "available to the Department of Defense (30 percent, to the cent by largest remainder)"
          = apportion(trust_fund_receipts, 2, 2, 50%, 30%, 20%)
          note "Part 2 of 50/30/20 by'''),
    ('''          = apportion(trust_fund_receipts, 2, 3, 60%, 20%, 20%)
          note "Part 3 of 60/20/20 by''',
     '''          = apportion(trust_fund_receipts, 2, 3, 50%, 30%, 20%)
          note "Part 3 of 50/30/20 by'''),
])

# ---- the bill text (bill/S2839-is.txt -> bill/S2839-committee-substitute.txt)
BILL_EDITS = [
    ("""1 (4) FOREIGN COUNTRY OF CONCERN.—The
2 term “foreign country of concern”—

3 (A) has the meaning given that term in
4 section 9901 of the William M. (Mac) Thorn-
5 berry National Defense Authorization Act for
6 Fiscal Year 2021 (15 U.S.C. 4651)); and

7 (B) includes Venezuela.
""", """1 (4) FOREIGN COUNTRY OF CONCERN.—The
2 term “foreign country of concern” has the meaning
3 given that term in section 9901 of the William M.
4 (Mac) Thornberry National Defense Authorization
5 Act for Fiscal Year 2021 (15 U.S.C. 4651).
"""),
    ("""22 trical vehicle, or a part for a battery that is not a
23 lithium-ion battery.""", """22 trical vehicle, a part for a battery that is not a
23 lithium-ion battery, or a semiconductor wafer."""),
    ("""- 12 (2) a period of 90 days has elapsed after the""", """- 12 (2) a period of 60 days has elapsed after the"""),
    ("""16 not enacted into law under subsection (i) during that
17 90-day period.""", """16 not enacted into law under subsection (i) during that
17 60-day period."""),
    ("""1 criteria eligibility criteria under subsection (b), a de-""", """1 eligibility criteria under subsection (b), a de-"""),
    ("""18 (A) 60 percent of such amounts shall be""", """18 (A) 50 percent of such amounts shall be"""),
    ("""1 (B) 20 percent of such amounts shall be
2 available to the Department of Defense""", """1 (B) 30 percent of such amounts shall be
2 available to the Department of Defense"""),
]

BILL_README = """# Bill text (hypothetical committee substitute)

`S2839-committee-substitute.txt` is the introduced text of S. 2839 (119th Congress, Restoring
American Mineral Security Act of 2025; `rules/ramsa/bill/S2839-is.txt`) with the changes of this
**hypothetical** amendment in the nature of a substitute applied by hand, keeping the printed
page-line numbers (a struck subparagraph leaves a shorter page). It is an example for `rules diff`,
not a text reported by the Committee on Finance. The changes:

- §3(4): subparagraph (B) (“includes Venezuela”) struck and subparagraph (A) folded into the
  paragraph, which also drops the stray parenthesis of “(15 U.S.C. 4651))”;
- §3(7): “or a semiconductor wafer” added to the select derivative products;
- §4(f)(2): a 60-day instead of a 90-day congressional review period;
- §4(k)(2): technical correction, “criteria eligibility criteria” → “eligibility criteria”;
- §6(d)(1): the trust fund split 60/20/20 becomes 50/30/20 ((A) 50 percent, (B) 30 percent).

`rules coverage examples/amendments/ramsa_committee_substitute` reads this file for the outline of
the amended bill.
"""

SOURCES_OLD = """Venezuela is not data: it is written in the rule of §3(4)(B) itself (`rules/ramsa/s3_definitions.rules`),
so an amendment striking it shows up as a change to that provision."""
SOURCES_NOTE = """
In this hypothetical committee substitute (`examples/amendments/ramsa_committee_substitute`),
§3(4)(B) is struck: Venezuela is no longer a foreign country of concern, and this table, unchanged,
is the whole of §3(4)."""


def replace_once(text: str, pairs, where: str) -> str:
    """Each `old` replaced by its `new`; a line break or run of spaces inside `old` matches any
    other (so the edits outlive `rules fmt` re-filling statute text)."""
    for old, new in pairs:
        pattern = (r"[ \t]*" if old != old.lstrip() else "") + r"\s+".join(re.escape(word) for word in old.split())
        if old != old.rstrip():
            pattern += re.escape(old[len(old.rstrip()):])
        found = len(re.findall(pattern, text))
        if found != 1:
            sys.exit(f"{where}: the text to amend is found {found} times, not once:\n{old}")
        text = re.sub(pattern, lambda _: new, text)
    return text


def format_rules(directory: str) -> None:
    """The amended rule files in the layout of `rules fmt`, as rules/ramsa is."""
    for name in sorted(os.listdir(directory)):
        if name.endswith(".rules"):
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as handle:
                result = format_text(handle.read(), path)
            if not result.ok:
                sys.exit(f"{name}: the amended file does not parse: {result.diagnostics[0].message}")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(result.text)


def rewrite(path: str, pairs) -> None:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    text = replace_once(text, pairs, os.path.relpath(path, ROOT))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def main(target: str = TARGET) -> None:
    """Write the amended copy to `target` (by default ramsa_committee_substitute/ beside this file)."""
    global TARGET
    TARGET = target
    if os.path.isdir(TARGET):
        shutil.rmtree(TARGET)
    os.makedirs(TARGET)
    for name in sorted(os.listdir(SOURCE)):
        if name.endswith(".rules"):
            shutil.copy(os.path.join(SOURCE, name), TARGET)
    for directory in ("data", "bill"):
        shutil.copytree(os.path.join(SOURCE, directory), os.path.join(TARGET, directory))
    for path, pairs in RULE_EDITS:
        rewrite(os.path.join(TARGET, path), pairs)
    format_rules(TARGET)
    rewrite(os.path.join(TARGET, "data", "SOURCES.md"), [(SOURCES_OLD, SOURCES_OLD + SOURCES_NOTE)])
    introduced = os.path.join(TARGET, "bill", "S2839-is.txt")
    with open(introduced, encoding="utf-8") as handle:
        bill = replace_once(handle.read(), BILL_EDITS, "bill/S2839-is.txt")
    os.remove(introduced)
    with open(os.path.join(TARGET, "bill", "S2839-committee-substitute.txt"), "w", encoding="utf-8") as handle:
        handle.write(bill)
    with open(os.path.join(TARGET, "bill", "README.md"), "w", encoding="utf-8") as handle:
        handle.write(BILL_README)
    print(f"wrote {os.path.relpath(TARGET, ROOT)} from {os.path.relpath(SOURCE, ROOT)}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
