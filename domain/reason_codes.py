"""The sickness absence reasons NHS employers record in the Electronic Staff Record (ESR), and
the broad category rtw's rules read from each.

ESR codes a sickness absence with one of a fixed list of reasons (S10 to S32, then S98 and S99);
NHS Digital (now NHS England) publishes its monthly NHS Sickness Absence Rates by these same
reasons. rtw keeps the code HR sent on the event (for OH only, like the category) and decides
with the category: mental health and musculoskeletal cases get rapid access to OH
(`domain.stages.RAPID_ACCESS_CATEGORIES`).

Where the list keeps a reason apart from the musculoskeletal ones (S28, injury and fracture),
so does the mapping: ESR's own grouping, not a clinical reading of each absence. S32 (substance
misuse) is a mental-health category, as ICD-10 classes it (chapter V, F10-F19).
"""

from __future__ import annotations

from types import MappingProxyType

from domain.errors import InvalidCommand
from domain.stages import ReasonCategory

_MENTAL = ReasonCategory.MENTAL_HEALTH
_MSK = ReasonCategory.MUSCULOSKELETAL
_OTHER = ReasonCategory.OTHER

ESR_REASONS: MappingProxyType[str, tuple[str, ReasonCategory]] = MappingProxyType({
    "S10": ("Anxiety, stress, depression and other psychiatric illnesses", _MENTAL),
    "S11": ("Back problems", _MSK),
    "S12": ("Other musculoskeletal problems", _MSK),
    "S13": ("Cold, cough, flu", _OTHER),
    "S14": ("Asthma", _OTHER),
    "S15": ("Chest and respiratory problems", _OTHER),
    "S16": ("Headache and migraine", _OTHER),
    "S17": ("Benign and malignant tumours, cancers", _OTHER),
    "S18": ("Blood disorders", _OTHER),
    "S19": ("Heart, cardiac and circulatory problems", _OTHER),
    "S20": ("Burns, poisoning, frostbite, hypothermia", _OTHER),
    "S21": ("Ear, nose and throat", _OTHER),
    "S22": ("Dental and oral problems", _OTHER),
    "S23": ("Eye problems", _OTHER),
    "S24": ("Endocrine and glandular problems", _OTHER),
    "S25": ("Gastrointestinal problems", _OTHER),
    "S26": ("Genitourinary and gynaecological disorders", _OTHER),
    "S27": ("Infectious diseases", _OTHER),
    "S28": ("Injury, fracture", _OTHER),
    "S29": ("Nervous system disorders", _OTHER),
    "S30": ("Pregnancy-related disorders", _OTHER),
    "S31": ("Skin disorders", _OTHER),
    "S32": ("Substance misuse", _MENTAL),
    "S98": ("Other known causes not classified elsewhere", _OTHER),
    "S99": ("Unknown causes, not specified", _OTHER),
})
"""Each ESR sickness reason code: its short description and the category the rules read."""

ACCEPTED = ", ".join(ESR_REASONS)


def reason_category_of(code: str, *, field: str = "reason_code") -> ReasonCategory:
    """The category of an ESR sickness reason code (`S10`; case and spaces forgiven).
    Raises InvalidCommand naming `field` and the codes accepted for any other code."""
    known = ESR_REASONS.get(normalised(code))
    if known is None:
        raise InvalidCommand(field, f"{code!r} is not an ESR sickness absence reason code; "
                             f"accepted: {ACCEPTED}")
    return known[1]


def normalised(code: str) -> str:
    """The code as ESR writes it: upper case, no surrounding spaces."""
    return code.strip().upper()
