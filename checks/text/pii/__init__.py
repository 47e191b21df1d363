"""Recognisers of personal data in Dutch government text, and the allow-list
of people who may be named because they act in public office.

Why hand-made recognisers: Presidio has no Dutch recognisers and spaCy's
Dutch models are not installable here; deduce targets medical text and
knows nothing of who may be named in a Woo release. So numbers are
validated with python-stdnum (BSN elfproef, IBAN mod-97) and phonenumbers
(Google's libphonenumber metadata), and names are found from context
(titles, initials, header labels, signature blocks) and from the Dutch
first-name and surname lists that ship inside the `deduce` wheel. Those
lists are read as plain files (a few milliseconds), never through deduce's
own loader, which takes minutes on first use.

Every hit carries only a masked rendering and a salted hash of the value
(checks.masking): the clear value never leaves this module.
"""
