"""Everything that touches the world: the event log, letters, pages, calendars."""
