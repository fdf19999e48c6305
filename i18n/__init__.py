"""French wording shared by e-mails and Word documents: dates and amounts as staff write them."""

from i18n.french import french_amount, french_date, french_date_short

__all__ = ["french_amount", "french_date", "french_date_short"]
