-- fit = 1: the job asked for its resume on one page (type and spacing shrink
-- within the theme's bounds before it spills onto a second page).
ALTER TABLE jobs ADD COLUMN fit INTEGER NOT NULL DEFAULT 0;
