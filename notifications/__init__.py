"""E-mail: the outbox, the Jinja2 templates of each notice, aiosmtplib delivery, the dev sink."""
