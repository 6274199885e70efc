"""Texts the connector stores (error reasons, journal events, chatter notes,
activity summaries) are written in the company's language.

A job runs as the user who queued it, with that user's language; a cron runs
as OdooBot, in English. Stored texts written in whatever language the writer
happened to have would mix languages on one record, and a French user's
replay would rewrite an English reason in French. Every entry point that may
store such a text (jobs, replays, button actions) therefore switches to the
company's language first, through :func:`in_company_lang`.
"""


def company_lang(env, company=None):
    """The language stored texts of ``company`` are written in."""
    company = company or env.company
    lang = company.partner_id.lang
    if not lang or not env["res.lang"]._lang_get(lang):
        return "en_US"
    return lang


def in_company_lang(records, company=None):
    """``records`` with the company's language in their context."""
    lang = company_lang(records.env, company)
    if records.env.context.get("lang") == lang:
        return records
    return records.with_context(lang=lang)
