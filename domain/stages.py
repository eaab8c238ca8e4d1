"""The stages of a case and the actions people may take on it."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where the case stands on the journey."""

    EARLY_CONTACT = "early_contact"
    ASSESSMENT = "assessment"
    CLOSED = "closed"


class Action(StrEnum):
    """Actions people take on a case (timer-driven decisions are not listed)."""

    RECORD_EARLY_CONTACT = "record_early_contact"


class ReasonCategory(StrEnum):
    """The broad reason HR gives for the absence; OH-only, it hints at health."""

    MUSCULOSKELETAL = "musculoskeletal"
    MENTAL_HEALTH = "mental_health"
    OTHER = "other"


class ContactMethod(StrEnum):
    """How early contact was made."""

    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"
    EMAIL = "email"
    TEXT_MESSAGE = "text_message"
