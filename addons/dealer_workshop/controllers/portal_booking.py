"""The customer's booking page: book, reschedule and cancel a workshop visit (owner: booking page)."""
