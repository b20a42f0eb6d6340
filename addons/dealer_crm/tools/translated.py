"""A text that knows its translations: an automation rule's task title read once, written in each reader's language."""


class Translated(str):
    """A text in the current language (it is a ``str``) with its text in every installed language.

    ``in_lang(lang)`` gives the text in ``lang`` (the current one when it has none);
    ``variants()`` every form it takes, e.g. to tell whether a record already has an open
    task of this title, whichever language it was written in.
    """

    def __new__(cls, text, by_lang):
        value = super().__new__(cls, text)
        value.by_lang = dict(by_lang)
        return value

    def __getnewargs__(self):  # copy and pickle keep the translations
        return str(self), self.by_lang

    def in_lang(self, lang):
        return self.by_lang.get(lang) or str(self)

    def variants(self):
        return sorted({str(self), *filter(None, self.by_lang.values())})

    @classmethod
    def of_field(cls, record, fname):
        """The value of the translated field ``fname`` of ``record`` in each installed language."""
        langs = [code for code, _name in record.env["res.lang"].get_installed()]
        return cls(record[fname] or "", {lang: record.with_context(lang=lang)[fname] for lang in langs})

    @classmethod
    def of_text(cls, env, write):
        """The text ``write(env)`` writes (with ``env._``), written in each installed language."""
        langs = [code for code, _name in env["res.lang"].get_installed()]
        return cls(write(env), {lang: write(env(context={**env.context, "lang": lang})) for lang in langs})

    @classmethod
    def of_term(cls, env, lazy):
        """A code term (``odoo.tools.translate.LazyTranslate``) in each installed language."""
        langs = [code for code, _name in env["res.lang"].get_installed()]
        current = env.lang or "en_US"
        return cls(lazy._translate(current), {lang: lazy._translate(lang) for lang in langs})


def in_lang(text, lang):
    """``text`` in ``lang`` when it knows its translations (``Translated``), else as it is."""
    return text.in_lang(lang) if isinstance(text, Translated) else text


def variants(text):
    """Every form ``text`` takes (``Translated``), else ``[text]``."""
    return text.variants() if isinstance(text, Translated) else [text]
