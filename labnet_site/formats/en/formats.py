"""The one way Labnet's pages show a moment: ISO-like, to the minute, in the site's time zone
(base.html states which, once, at the foot of every page). Django's English formats
("Nov. 30, 2026, 3:10 p.m.") would otherwise win over the settings."""

DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
