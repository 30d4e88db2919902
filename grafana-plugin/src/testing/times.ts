/** Scrape time used for the fixture's frames; the decisions in it fall between RANGE.from and RANGE.to. */
export const SCRAPE_TIME = Date.UTC(2026, 10, 21, 12, 0, 0);
export const RANGE = { from: Date.UTC(2026, 10, 21, 8, 0, 0), to: Date.UTC(2026, 10, 21, 12, 0, 0) };
