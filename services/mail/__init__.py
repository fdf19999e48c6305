"""E-mail: the transactional outbox, delivery over SMTP, the notices events cause, addresses."""
