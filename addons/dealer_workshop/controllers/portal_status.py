"""The customer's repair-status page and declined work to book later (owner: repair status)."""
