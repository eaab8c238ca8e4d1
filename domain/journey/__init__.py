"""The journey, one module per stage: each holds that stage's commands, events, decisions,
evolution, deadlines and action rules together, so a stage is read (and changed) in one place.

    absence         HR's notification opens a case; an absence joining a referral; back at work
    referral        stay-at-work referral, accepted or declined by OH
    early_contact   the line manager's early contact, reminders, keeping in touch
    oh_referral     referral to occupational health, by hand or by deadline
    assessment      the OH assessment: fitness, adjustments, consent
    escalation      recommendations to escalate, confirmed by a named OH professional
    plan            the rehabilitation plan, its reviews and revisions
    therapy         therapy referrals and their progress
    fit_note        fit notes and 'may be fit' advice that cannot be accommodated
    phased_return   the phased return, week by week
    redeployment    a trial in another role, confirmed or reverted
    hr_facts        what HR systems report: extension, return, leaving
    closure         closing with an outcome, and the follow-up after a return
    reminders       what a passing deadline records when no stage's event says it
    policy_change   a running case adopting another version of its employer's policy
    appointments    OH appointments booked, moved and kept or missed; the employee's reminders
    ownership       the OH case manager who owns the case, and a cover for a period
    triage          the route the assessment's tier sets: self-help, coordination, specialist
    professional    the named professional behind an assessment or a confirmation
    report_consent  report first to the employee: their comments, consent and its withdrawal

`base` holds what they share. The entry points assemble them: `domain.events` (the stored
types), `domain.commands`, `domain.evolve`, `domain.decide`, `domain.actions` (one rule per
action) and `domain.deadlines`.
"""
