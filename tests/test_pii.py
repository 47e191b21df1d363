"""The personal-data recognisers and the allow-list of public office holders."""

from __future__ import annotations

import pytest

from checks.text.pii.allow_list import (
    AllowList,
    allow_list_for,
    public_persons,
    static_allow_list,
)
from checks.text.pii.scan import scan
from flows.model import Document


def kinds(text: str, allow: AllowList | None = None) -> list[tuple[str, str]]:
    """(kind, clear value) of every hit: clear values only inside tests, on
    invented data."""
    return [(h.kind, text[h.start : h.end]) for h in scan(text, allow=allow)]


# -- e-mail ---------------------------------------------------------------


def test_personal_email_is_found_and_masked_with_domain_kept():
    text = "Graag reactie aan j.devries@minbuza.nl voor vrijdag."
    hits = scan(text)
    assert [(h.kind, text[h.start : h.end]) for h in hits] == [("email", "j.devries@minbuza.nl")]
    assert hits[0].masked.endswith("@minbuza.nl") and "devries" not in hits[0].masked
    assert len(hits[0].value_hash) == 16


def test_generic_mailbox_and_redacted_local_part_are_not_personal():
    text = "Vragen: info@rijksoverheid.nl of woo@minbuza.nl. Contact: 5.1.2e@minbuza.nl en @politie.nl"
    assert [k for k, _ in kinds(text) if k == "email"] == []


def test_email_with_ocr_space_before_at_is_found():
    assert ("email", "p.jansen @minvws.nl") in kinds("mail p.jansen @minvws.nl graag")


# -- phone ----------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["06-12345678", "06 1234 5678", "+31 6 12345678", "+31 (0)70 348 4848", "070-3486486", "0031 20 5551234"],
)
def test_dutch_phone_numbers_in_all_common_forms_are_found(number):
    assert ("phone", number) in kinds(f"Bereikbaar via {number} overdag.")


def test_service_numbers_and_kamerstuk_numbers_are_not_phones():
    text = "Bel 14070 of 0800-1234567. Zie Kamerstuk (31 475) - 31475-3 van 2023."
    assert [k for k, _ in kinds(text) if k == "phone"] == []


# -- BSN and IBAN -----------------------------------------------------------


def test_bsn_passing_the_elfproef_is_found_and_one_failing_is_not():
    assert ("bsn", "111222333") in kinds("BSN: 111222333")
    assert ("bsn", "1112.22.333") in kinds("burgerservicenummer 1112.22.333")
    assert [k for k, _ in kinds("nummer 111222334 klopt niet") if k == "bsn"] == []


def test_nine_digit_case_number_after_reference_label_is_not_a_bsn():
    assert [k for k, _ in kinds("Ons kenmerk: 111222333") if k == "bsn"] == []


def test_iban_with_and_without_spaces_is_found_and_a_bad_checksum_is_not():
    assert ("iban", "NL91ABNA0417164300") in kinds("Rekening NL91ABNA0417164300 t.n.v. ons.")
    assert ("iban", "NL91 ABNA 0417 1643 00") in kinds("IBAN NL91 ABNA 0417 1643 00.")
    assert [k for k, _ in kinds("IBAN NL92ABNA0417164300") if k == "iban"] == []


# -- addresses and dates of birth --------------------------------------------


def test_home_address_after_a_name_is_found_but_an_office_or_postbus_is_not():
    home = "Dhr. P. Bakker\nKerkstraat 12\n1234 AB Utrecht"
    assert ("postcode", "Kerkstraat 12\n1234 AB") in kinds(home)
    office = "Bezoekadres\nRijnstraat 8\n2515 XP Den Haag\nPostbus 20061\n2500 EB Den Haag"
    assert [k for k, _ in kinds(office) if k == "postcode"] == []


def test_only_dates_introduced_as_birth_dates_are_found():
    assert ("birth_date", "12-03-1978") in kinds("geboren op 12-03-1978 te Utrecht")
    assert ("birth_date", "4 mei 1981") in kinds("Geboortedatum: 4 mei 1981")
    assert [k for k, _ in kinds("Datum 12-03-2023") if k == "birth_date"] == []


# -- names ------------------------------------------------------------------


def test_title_with_name_is_found():
    assert ("name", "Kraaijeveld") in kinds("Na overleg met dhr. Kraaijeveld is besloten.")
    assert ("name", "A.B. de Wit") in kinds("Aanwezig was mw. drs. A.B. de Wit namens de directie.")


def test_initials_with_surname_are_found():
    assert ("name", "H.J. van der Berg") in kinds("Het stuk is opgesteld door H.J. van der Berg.")


def test_first_name_with_surname_from_the_lists_is_found():
    assert ("name", "Sanne Visser") in kinds("Volgens Sanne Visser is dat niet zo.")


def test_name_next_to_a_header_label_is_found_on_its_line_or_the_next():
    assert ("name", "Karin Mulder") in kinds("Van: Karin Mulder\nAan: DVB\nOnderwerp: nota")
    assert ("name", "T. Hoekstra") in kinds("Opgesteld door\n\nT. Hoekstra\n\nVia")


def test_unit_role_and_stamp_next_to_a_header_label_are_not_names():
    text = "Aan: M\nVan: DVB/VN\nVia Bescherming persoonlijke levenssfeer\nOpgesteld door directeur DVB"
    assert [k for k, _ in kinds(text) if k == "name"] == []


def test_name_in_signature_block_is_found():
    text = "Wij zien uw reactie graag tegemoet.\n\nMet vriendelijke groet,\n\nEefje Brouwer\nBeleidsmedewerker"
    assert ("name", "Eefje Brouwer") in kinds(text)


def test_streets_places_and_ordinary_capitalised_words_are_not_names():
    text = (
        "De Staatsloterij is gevestigd aan de Paul Steenbergenlaan 69 in Den Haag.\n"
        "A. Intensievere beleidsdoorlichting\nDe Raad heeft geen rol."
    )
    assert [k for k, _ in kinds(text) if k == "name"] == []


# -- the allow-list ---------------------------------------------------------


def test_senators_named_with_role_and_party_are_public_and_not_flagged():
    text = (
        "Vragen van de leden Nicolaï, Koffeman en Visseren-Hamakers (PvdD) aan de minister.\n"
        "Later: Vragen van de Eerste Kamerleden Nicolai Koffeman en Visseren Hamakers alien."
    )
    persons = public_persons(text)
    assert {"nicolai", "koffeman", "visseren hamakers"} <= persons
    allow = static_allow_list().merged(AllowList(frozenset(persons), frozenset()))
    assert [k for k, _ in kinds(text, allow) if k == "name"] == []
    # Without the allow-list the OCR'd pair is a name: the list is what keeps it out.
    assert ("name", "Nicolai Koffeman") in kinds(text)


def test_minister_signing_under_role_line_is_public():
    text = "De minister van Buitenlandse Zaken,\nH.G.J. Bruins Slot\n"
    allow = static_allow_list().merged(AllowList(frozenset(public_persons(text)), frozenset()))
    assert kinds(text, allow) == []
    assert ("name", "H.G.J. Bruins Slot") in kinds(text)


def test_members_of_parliament_with_party_after_name_are_public():
    text = "Kamervragen gesteld door de leden Van Houwelingen FvD en Futselaar SP."
    assert {"houwelingen", "futselaar"} <= public_persons(text)


def test_civil_servant_is_not_made_public_by_a_minister_elsewhere_in_the_text():
    text = "De minister van Defensie,\nK.H. Ollongren\n\nOpgesteld door: Pieter Kraaijeveld\n"
    doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
    allow = allow_list_for(doc)
    assert [v for k, v in kinds(text, allow) if k == "name"] == ["Pieter Kraaijeveld"]


def test_allow_list_takes_vragenstellers_from_the_kamervragen_row():
    text = "Reactie van mw. Dekker-Abdulaziz op het verslag."
    doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
    assert [k for k, _ in kinds(text, allow_list_for(doc))] == [("name")]
    doc.rows["kamervragen"] = [{"vragenstellers": ["Dekker-Abdulaziz"], "geadresseerden": ["minister van OCW"]}]
    assert kinds(text, allow_list_for(doc)) == []


def test_person_with_a_public_office_in_apposition_is_public():
    text = (
        "Voorstel om te spreken met Joris Wendelaar, de nieuwe hoge vertegenwoordiger van het IMF.\n"
        "Het gesprek met Joris Wendelaar volgt later."
    )
    doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
    assert "wendelaar" in public_persons(text)
    assert kinds(text, allow_list_for(doc)) == []
    assert ("name", "Joris Wendelaar") in kinds(text)


def test_apposition_needs_the_comma_right_after_the_name_and_takes_its_text():
    """The office follows the name on the same line; a name and its office
    are read once, so the next name does not begin inside them."""
    assert public_persons("Overleg met Joris Wendelaar\n, ambassadeur in Berlijn.") == set()
    found = public_persons("Overleg met Piet de Vries, Kamerlid Joris Wendelaar, burgemeester van Ede.")
    assert {"piet de vries", "joris wendelaar"} <= found
    assert not any("kamerlid" in name for name in found)


def test_chair_of_an_internal_team_in_apposition_stays_personal():
    for text in (
        "Overleg met Joris Wendelaar, voorzitter van het projectteam, over de planning.",
        "Overleg met Joris Wendelaar, secretaresse minister, over de planning.",
    ):
        doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
        assert [v for k, v in kinds(text, allow_list_for(doc)) if k == "name"] == ["Joris Wendelaar"]


def test_author_of_an_independent_advice_is_public_in_every_mention():
    text = (
        "Betreft: aanbieding onafhankelijk advies van Joris Wendelaar over de polder\n\n"
        "Joris Wendelaar licht zijn advies toe. Ik dank dhr. Wendelaar voor het advies."
    )
    doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
    assert kinds(text, allow_list_for(doc)) == []


def test_colleague_giving_an_ordinary_advice_stays_personal():
    text = "Graag het advies van Joris Wendelaar over de polder voor vrijdag."
    doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
    assert [v for k, v in kinds(text, allow_list_for(doc)) if k == "name"] == ["Joris Wendelaar"]


def test_sender_of_an_answer_to_parliament_is_public_without_a_role_word():
    text = "Zie het antwoord van dhr. Wendelaar a.d. 2de Kamer over de criteria."
    doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
    assert kinds(text, allow_list_for(doc)) == []
    assert ("name", "Wendelaar") in kinds(text)


def test_sender_of_a_letter_to_the_college_stays_personal():
    text = "Zie de brief van dhr. Wendelaar aan het college over de criteria."
    doc = Document(id="x", path="x.txt", size=len(text), media_type="text/plain", text=text)
    assert [v for k, v in kinds(text, allow_list_for(doc)) if k == "name"] == ["Wendelaar"]


def test_venue_or_school_named_after_a_person_is_not_a_name():
    text = (
        "Het overleg is in de Marieke Wendelaarzaal, Turfmarkt 1.\n"
        "Een keuzevak op het Joris Wendelaar voor leerlingen van het vmbo.\n"
        "Ook Joris Wendelaar komt.\nIk heb het Marieke Wendelaar gevraagd."
    )
    assert [v for k, v in kinds(text) if k == "name"] == ["Joris Wendelaar", "Marieke Wendelaar"]


def test_allow_list_tolerates_ocr_damage_in_a_long_surname():
    allow = AllowList(frozenset({"visseren hamakers"}), frozenset())
    assert allow.allows("Visseren-Hamakers") and allow.allows("Visseren Hamalers")
    assert not allow.allows("Jansen")


# -- OCR damage and letterheads ------------------------------------------------


def test_ocr_damaged_title_and_glued_title_still_mark_a_name():
    assert ("name", "Verbeeck") in kinds("Er is gebeld door mevronw Verbeeck over het dossier.")
    assert ("name", "Postma") in kinds("Geachte heerPostma,\n\nIn uw verzoek")


def test_phone_glued_to_its_label_by_ocr_is_found():
    assert ("phone", "06-20528245") in kinds("Beleidsmedewerker DVB\nT06-20528245\n")


def test_birth_date_after_ocr_damaged_label_is_found():
    assert ("birth_date", "19-10-1958") in kinds("Geboortedatnm: 19-10-1958")


def test_organisation_phone_and_iban_in_a_letterhead_are_not_personal():
    letterhead = ("Postbus 9090 | 6800 GX Arnhem\n\n026 359 99 99\npost@gelderland.nl\nBNG Bank Den Haag\n"
                  "NL74BNGH0285010824\nBIC-code BNGHNL2G")
    assert kinds(letterhead) == []


def test_phone_number_given_for_a_team_is_not_personal():
    text = "Wel kunt u telefonisch contact opnemen (0299-123456, Omge-\nvingsteam) over de aanvraag."
    assert kinds(text) == []


def test_phone_number_of_a_person_or_removed_name_in_a_team_clause_stays_personal():
    named = "Bel ons (J. Wendelaar, 0299-123456, Omgevingsteam) over de aanvraag."
    removed = "Bel ons (5.1.2e, 0299-123456, Omgevingsteam) over de aanvraag."
    assert ("phone", "0299-123456") in kinds(named)
    assert ("phone", "0299-123456") in kinds(removed)


def test_phone_under_a_team_line_in_a_signature_stays_personal():
    # The body removed the name above the team line and left no ground code.
    text = "Met vriendelijke groet,\n\n\nProjectteam Ruimte\nT 0299-123456\n"
    assert ("phone", "0299-123456") in kinds(text)


def test_contact_persons_direct_line_in_a_letterhead_is_personal():
    letterhead = "Postbus 20061\n2500 EB Den Haag\nContactpersoon\nKarin Mulder\nT 06-12345678\nwww.rijksoverheid.nl"
    assert {"name", "phone"} <= {k for k, _ in kinds(letterhead)}


# -- real released pages (skipped without ../shared/data) ----------------------


def test_real_letter_of_the_minister_to_parliament_names_no_one_personal(real_data):
    from pdfminer.high_level import extract_text

    text = extract_text(real_data / "dutch-gov-pdfs" / "brief1.pdf")
    doc = Document(id="b", path="brief1.pdf", size=len(text), media_type="application/pdf", text=text)
    assert "Bruins Slot" in text
    assert scan(text, allow=allow_list_for(doc)) == []


def test_real_police_instruction_with_redacted_contact_fields_has_no_hits(real_data):
    from pdfminer.high_level import extract_text

    # "Telefoon 06" and "E-mail @politie.nl": the body removed the personal parts.
    text = extract_text(real_data / "dutch-gov-pdfs" / "politie5.pdf")
    assert "@politie.nl" in text
    assert [k for k, _ in kinds(text)] == []


def test_date_with_time_is_not_a_phone_number():
    assert kinds("Verzonden: 05-04-2018 15:37\nDatum: 04-04-2018 13:56") == []


@pytest.mark.parametrize(
    "text, kinds",
    [
        # Companies named like people, and the person beside them.
        ("De vergunning is verleend aan Mr Green Limited, gevestigd te Malta.", []),
        ("De bezwaren van WHG (International) Limited zijn ongegrond verklaard.", []),
        ("De Stichting Woonzorg Nederland en Van Dijk Bouw B.V. tekenden.", []),
        ("De vergunning is verleend aan Mr Green, wonende te Malta.", ["name"]),
        # References with slashes and dots, and numbers after a reference label.
        ("Ons kenmerk: 12873/01.037.474/01 betreft de zaak.", []),
        ("Registratienummer 0612345678 van de vergunning.", []),
        ("Bel mij op 06-12345678 als er iets is.", ["phone"]),
        ("Kenmerk 2024-118, telefoon 06-12345678", ["phone"]),
        # Mailboxes named after a task, and people's mailboxes.
        ("Mail naar vergunningen@kansspelautoriteit.nl voor vragen.", []),
        ("Mail naar jansen@kansspelautoriteit.nl voor vragen.", ["email"]),
        ("Mail naar vergunningen@gmail.com voor vragen.", ["email"]),
        # An organisation's account, and a person's.
        ("Maak de boete over op NL86INGB0002445588 ten name van Kansspelautoriteit te Den Haag.", []),
        ("Maak het bedrag over op NL86INGB0002445588 ten name van Pieter Bakker.", ["iban", "name"]),
        # Latin and legal phrases are no names.
        ("Dit geldt mutatis mutandis en a contrario, want Pacta Sunt Servanda.", []),
    ],
)
def test_organisations_references_and_mailboxes_are_told_from_people(text: str, kinds: list[str]) -> None:
    assert sorted(h.kind for h in scan(text)) == sorted(kinds)


def test_a_glued_initial_and_surname_mailbox_is_a_persons() -> None:
    assert [h.kind for h in scan("Mail naar pjansen@kansspelautoriteit.nl voor vragen.")] == ["email"]
