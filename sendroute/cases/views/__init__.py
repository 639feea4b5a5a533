"""Views of the case file, one module per part: cases, concerns and stages, timeline, evidence,
sharing and caseload, deadlines and calendar, data rights. Views parse input, check access with
``access.case_for``, call a service and render or redirect."""
