-- Referrals to outside agencies, the agencies a school refers to with
-- their response timescales, and the school's holidays, which with
-- weekends are not counted as working days.
--
-- contact, details, response and outcome are sealed (AES-256-GCM under the
-- school's data key, bound to school, table, row and field): the columns
-- hold ciphertext only. The reference number, dates, agency and method
-- stay clear so that lists, the overdue check and reports work.
--
-- overdue_notified_at is set in the same transaction as the one
-- notification (and its emails) saying a referral is overdue, and only
-- where it is still NULL, so however many job runners look at once, the
-- school is told once.

-- +goose Up
CREATE TABLE referral_agencies (
    school_id      TEXT NOT NULL REFERENCES schools (id),
    key            TEXT NOT NULL,
    name           TEXT NOT NULL,
    timescale_days INTEGER NOT NULL CHECK (timescale_days BETWEEN 0 AND 90),
    position       INTEGER NOT NULL,
    active         INTEGER NOT NULL,
    PRIMARY KEY (school_id, key)
);

CREATE TABLE school_holidays (
    school_id  TEXT NOT NULL REFERENCES schools (id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    first_day  DATE NOT NULL,
    last_day   DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id),
    UNIQUE (school_id, first_day, name),
    CHECK (last_day >= first_day)
);

CREATE TABLE referrals (
    school_id            TEXT NOT NULL,
    id                   TEXT NOT NULL,
    pupil_id             TEXT NOT NULL,
    concern_id           TEXT,
    agency               TEXT NOT NULL,
    method               TEXT NOT NULL CHECK (method IN ('phone', 'online_form', 'letter', 'email', 'meeting')),
    made_at              TIMESTAMP NOT NULL,
    reference            TEXT NOT NULL,
    contact              BLOB NOT NULL, -- sealed
    details              BLOB NOT NULL, -- sealed
    made_by              TEXT NOT NULL,
    timescale_days       INTEGER NOT NULL,
    expected_by          TIMESTAMP NOT NULL,
    response_on          DATE,
    response             BLOB, -- sealed
    response_by          TEXT,
    response_recorded_at TIMESTAMP,
    outcome              BLOB, -- sealed
    closed_at            TIMESTAMP,
    closed_by            TEXT,
    overdue_notified_at  TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id),
    FOREIGN KEY (school_id, agency) REFERENCES referral_agencies (school_id, key)
);
CREATE INDEX referrals_pupil ON referrals (school_id, pupil_id);
CREATE INDEX referrals_concern ON referrals (school_id, concern_id);
CREATE INDEX referrals_awaiting ON referrals (school_id, expected_by) WHERE response_on IS NULL AND closed_at IS NULL;

-- Every existing school gets the usual agencies and the bank holidays of
-- England and Wales for 2025 to 2027 (vigil.EnglandBankHolidays).
INSERT INTO referral_agencies (school_id, key, name, timescale_days, position, active)
SELECT s.id, t.column1, t.column2, t.column3, t.column4, 1 FROM schools s CROSS JOIN (VALUES
    ('childrens_services', 'Children''s services (MASH / front door)', 1, 1),
    ('police', 'Police', 1, 2),
    ('lado', 'LADO (allegation about an adult)', 1, 3),
    ('early_help', 'Early Help', 10, 4),
    ('camhs', 'NHS / CAMHS', 20, 5),
    ('school_nurse', 'School nurse', 5, 6),
    ('other', 'Other agency', 10, 7)
) AS t;

INSERT INTO school_holidays (school_id, id, name, first_day, last_day, created_at)
SELECT s.id,
    lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-7' || substr(hex(randomblob(2)), 2) || '-8' ||
        substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
    t.column2, t.column1, t.column1, strftime('%Y-%m-%d %H:%M:%S+00:00', 'now')
FROM schools s CROSS JOIN (VALUES
    ('2025-01-01', 'New Year''s Day'),
    ('2025-04-18', 'Good Friday'),
    ('2025-04-21', 'Easter Monday'),
    ('2025-05-05', 'Early May bank holiday'),
    ('2025-05-26', 'Spring bank holiday'),
    ('2025-08-25', 'Summer bank holiday'),
    ('2025-12-25', 'Christmas Day'),
    ('2025-12-26', 'Boxing Day'),
    ('2026-01-01', 'New Year''s Day'),
    ('2026-04-03', 'Good Friday'),
    ('2026-04-06', 'Easter Monday'),
    ('2026-05-04', 'Early May bank holiday'),
    ('2026-05-25', 'Spring bank holiday'),
    ('2026-08-31', 'Summer bank holiday'),
    ('2026-12-25', 'Christmas Day'),
    ('2026-12-28', 'Boxing Day (substitute day)'),
    ('2027-01-01', 'New Year''s Day'),
    ('2027-03-26', 'Good Friday'),
    ('2027-03-29', 'Easter Monday'),
    ('2027-05-03', 'Early May bank holiday'),
    ('2027-05-31', 'Spring bank holiday'),
    ('2027-08-30', 'Summer bank holiday'),
    ('2027-12-27', 'Christmas Day (substitute day)'),
    ('2027-12-28', 'Boxing Day (substitute day)')
) AS t;

-- +goose Down
DROP TABLE referrals;
DROP TABLE school_holidays;
DROP TABLE referral_agencies;
