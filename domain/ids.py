"""Case identity: one opaque, deterministic id per HR absence."""

from __future__ import annotations

import uuid

# Fixed namespace for rtw case ids. Changing it would re-key every case: never do.
CASE_NAMESPACE = uuid.UUID("5b0f1c1e-2f4e-5a8e-9d1c-7a1e2b3c4d5e")


def case_id_for_absence(employer_id: str, absence_id: str) -> str:
    """Derive the case id from the HR natural key.

    The same employer and absence always give the same id, so a repeated notification
    can never open a second case. The id carries no name, NHS number or diagnosis.
    """
    return str(uuid.uuid5(CASE_NAMESPACE, f"absence\x1f{employer_id}\x1f{absence_id}"))


def case_id_for_referral(employer_id: str, referral_id: str) -> str:
    """The case id of a stay-at-work referral; it stays the case id if an absence follows."""
    return str(uuid.uuid5(CASE_NAMESPACE, f"referral\x1f{employer_id}\x1f{referral_id}"))


def case_id_for_community_referral(provider_id: str, referral_id: str) -> str:
    """The case id of a community referral: the service provider's own referral id, in a
    namespace of its own so it never meets an employer's referral of the same id."""
    return str(uuid.uuid5(CASE_NAMESPACE, f"community\x1f{provider_id}\x1f{referral_id}"))


# The employee key's own namespace, so that no employee key can equal a case id. Fixed: never
# change it (every stored key would change).
EMPLOYEE_NAMESPACE = uuid.UUID("0c7b7f52-6d0e-5b43-9a55-3e8f2d4b1a60")


def employee_key(employer_id: str, employee_id: str) -> str:
    """A pseudonymous key for an employee at one employer: the same HR ids always give the
    same key, two employers' keys for one person never match, and it carries no name."""
    return str(uuid.uuid5(EMPLOYEE_NAMESPACE, f"employee\x1f{employer_id}\x1f{employee_id}"))
