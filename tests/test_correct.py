"""The OCR corrector: what it fixes on the seed, what it must leave alone, and why."""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from itertools import pairwise

import pytest
from conftest import ROOT, SEED

from flows.model import Edit, apply_text_edits
from flows.stages.correct.corrector import (
    Correction,
    LexiconIndex,
    TracedLexicon,
    defined_terms,
    document_lexicon,
    load_corrector,
    looks_like_ocr,
    normalise_and_correct,
    unchanged_for,
)

OCR_START = "I Ministerie van Buitenlandse Zaken"

# Typed Dutch prose in the register of a Woo decision, written for this test.
CLEAN_DUTCH = """\
Op 3 maart 2023 heeft u met een beroep op de Wet open overheid (Woo) gevraagd om
documenten over de levering van munitie aan Oekraïne. Bij brief van 7 maart 2023,
kenmerk 2023-0000123, is de ontvangst van uw verzoek bevestigd. Ik heb besloten
de documenten gedeeltelijk openbaar te maken. Persoonsgegevens van medewerkers zijn
weggelakt op grond van artikel 5.1, tweede lid, onder e, van de Woo (5.1.2e). Namen
van bewindspersonen en Kamerleden blijven zichtbaar, omdat zij in hun publieke functie
handelen. Voor vragen kunt u contact opnemen via woo-verzoeken@minbuza.nl of het
telefoonnummer op de website. De NAVO, de VN en de EU worden in de stukken genoemd.
Het verdrag inzake clustermunitie verbiedt het gebruik, de productie en de overdracht
van clustermunitie; Nederland is sinds 2011 partij bij dit verdrag.
"""


def seed_parts() -> tuple[str, str]:
    text = SEED.read_text(encoding="utf-8")
    cut = text.index(OCR_START)
    return text[:cut], text[cut:]


def apply(text: str, corrections: list[Correction]) -> str:
    return apply_text_edits(text, [Edit(c.start, c.end, c.after) for c in corrections])[
        0
    ]


@pytest.fixture(scope="module")
def corrector():
    return load_corrector()


@pytest.fixture(scope="module")
def seed_result(corrector):
    public, beslisnota = seed_parts()
    corrections = corrector.correct(beslisnota, doc_lexicon=document_lexicon([public]))
    return beslisnota, corrections, apply(beslisnota, corrections)


@pytest.mark.parametrize(
    ("damaged", "fixed"),
    [
        ("Oekrame", "Oekraïne"),
        ("Oekraine", "Oekraïne"),
        ("dusterbommen", "clusterbommen"),
        ("Eescherming", "Bescherming"),
        ("Uiterlljk", "Uiterlijk"),
        ("Nicolai", "Nicolaï"),
        ("alien", "allen"),
        ("bv", "by"),
        ("anv", "any"),
        ("Reference", "Referentie"),
    ],
)
def test_seed_beslisnota_damage_is_fixed(seed_result, damaged, fixed):
    _, corrections, _ = seed_result
    made = {(c.before, c.after) for c in corrections}
    assert (damaged, fixed) in made
    # Every occurrence is fixed, not just one.
    assert all(c.after == fixed for c in corrections if c.before == damaged)


def test_seed_fixes_show_in_the_corrected_text(seed_result):
    _, _, text = seed_result
    assert "Oekraïne" in text and "Oekrame" not in text and "Oekraine" not in text
    assert "clusterbommen door de Verenigde Staten" in text
    assert "Eerste Kamerleden Nicolaï Koffeman en Visseren Hamakers allen" in text
    assert "Onze Referentie\n\n173615" in text
    assert "bv" not in text.split() and "anv" not in text.split()
    assert "use by any actor" in text


def test_seed_beslisnota_gets_no_other_word_changes(seed_result):
    """Only the damage listed in the issue, the run-together splits, and nothing else."""
    _, corrections, _ = seed_result
    expected = {
        "Oekrame",
        "Oekraine",
        "dusterbommen",
        "Eescherming",
        "Uiterlljk",
        "Nicolai",
        "alien",
        "bv",
        "anv",
        "Reference",
        "levenssfeerAfgestemd",
        "02uAan",
    }
    assert {c.before for c in corrections} == expected


def test_run_together_words_split_at_the_case_seam(seed_result):
    _, corrections, text = seed_result
    splits = {c.before: c.after for c in corrections if c.reason.startswith("split")}
    assert splits == {
        "levenssfeerAfgestemd": "levenssfeer Afgestemd",
        "02uAan": "02u Aan",
    }
    assert "Bescherming persoonlijke levenssfeer Afgestemd met" in text


def test_every_correction_is_auditable(seed_result):
    beslisnota, corrections, _ = seed_result
    for c in corrections:
        assert beslisnota[c.start : c.end] == c.before
        assert c.reason and c.after != c.before
    # The field label is named as the evidence for the header fix.
    label = next(c for c in corrections if c.before == "Reference")
    assert label.reason == "field_label:Onze Referentie"
    spans = sorted((c.start, c.end) for c in corrections)
    assert all(a[1] <= b[0] for a, b in pairwise(spans)), "corrections must not overlap"


def test_seed_public_part_is_left_unchanged(corrector):
    public, _ = seed_parts()
    assert corrector.correct(public, doc_lexicon=document_lexicon([public])) == []
    assert corrector.correct(public) == []


def test_clean_dutch_prose_is_left_unchanged(corrector):
    assert corrector.correct(CLEAN_DUTCH) == []


def test_clean_text_layers_of_held_out_pdfs_are_left_unchanged(corrector, real_data):
    """Only test-split sources: the confusion and gap models were learned from the train half."""
    import pypdfium2 as pdfium

    sys.path.insert(0, str(ROOT / "bench"))
    from ocr_generate import split_of

    held_out = [
        pdf
        for pdf in sorted((real_data / "dutch-gov-pdfs").glob("*.pdf"))
        if split_of(pdf.stem) == "test"
    ]
    assert held_out, "no test-split PDFs found"
    changed = []
    for pdf in held_out:
        doc = pdfium.PdfDocument(str(pdf))
        text = "\n".join(
            doc[i].get_textpage().get_text_range() for i in range(min(len(doc), 3))
        )
        doc.close()
        changed += [
            (pdf.name, c.before, c.after)
            for c in corrector.correct(text.replace("\r\n", "\n"))
        ]
    assert changed == []


def test_bv_is_by_in_english_and_stays_bv_in_dutch(corrector):
    english = "and bv calling upon those who continue to do so to cease now"
    dutch = (
        "De stukken zijn verstuurd naar de leverancier, bv de fabrikant van de munitie."
    )
    assert [(c.before, c.after, c.reason) for c in corrector.correct(english)] == [
        ("bv", "by", "language:en")
    ]
    assert corrector.correct(dutch) == []


def test_release_spelling_is_evidence_for_a_listed_misspelling(corrector):
    """wordfreq lists "Oekraine" as Dutch: only the release's own spelling moves it."""
    line = "ontmoedigt ieder gebruik van clustermunitie ook door Oekraine en Rusland"
    assert corrector.correct(line) == []
    fixed = corrector.correct(line, doc_lexicon=Counter({"Oekraïne": 4, "Rusland": 2}))
    assert [(c.before, c.after, c.reason) for c in fixed] == [
        ("Oekraine", "Oekraïne", "document_lexicon")
    ]


def test_unseen_ocr_damage_is_fixed_by_learned_confusions(corrector):
    """Words the seed does not contain, damaged the way Tesseract damages them."""
    text = "Het college heeft besioten de vergurining te verlenen op grond van de Woo."
    fixed = apply(text, corrector.correct(text))
    assert (
        fixed
        == "Het college heeft besloten de vergunning te verlenen op grond van de Woo."
    )


@pytest.mark.parametrize(
    "guarded",
    [
        "zie 5.l.2e en S.1.2e",  # damaged ground codes
        "kenmerk BZDOC-123456-AB",  # identifier
        "mail j.jansen@minbuza.nl",  # e-mail
        "op 29-09-2023 om 14.30u",  # date and time
        "de NAVO en PvdD en minDEF",  # acronyms and mixed case
        "gesprek met CyrusOne en McKinsey",  # CamelCase names are not run-together words
    ],
)
def test_guarded_tokens_are_left_alone(corrector, guarded):
    assert corrector.correct(guarded) == []


def test_looks_like_ocr_tells_the_scanned_memo_from_typed_text():
    public, beslisnota = seed_parts()
    assert looks_like_ocr(beslisnota)
    assert not looks_like_ocr(public)
    assert not looks_like_ocr(CLEAN_DUTCH * 3)


def test_looks_like_ocr_is_false_for_real_text_layers(real_data):
    import pypdfium2 as pdfium

    flagged = []
    for pdf in sorted((real_data / "dutch-gov-pdfs").glob("*.pdf")):
        doc = pdfium.PdfDocument(str(pdf))
        text = "\n".join(
            doc[i].get_textpage().get_text_range() for i in range(len(doc))
        )
        doc.close()
        if looks_like_ocr(text.replace("\r\n", "\n")):
            flagged.append(pdf.name)
    assert flagged == []


def test_normalise_and_correct_returns_corrected_text_and_log():
    text, corrections = normalise_and_correct("Uiterlljk bij\n\n17 juli 2023\n")
    assert text.startswith("Uiterlijk bij")
    assert [(c.before, c.after) for c in corrections] == [("Uiterlljk", "Uiterlijk")]


def test_corrector_is_loaded_once():
    assert load_corrector() is load_corrector()


def test_another_inflection_is_not_ocr_damage(corrector):
    """Rare inflections ("hebbend", "moties") stay, even when the release spells a sibling form."""
    line = "de belanghebbende is hebbend partij; beide moties zijn aangenomen"
    assert corrector.correct(line) == []
    assert corrector.correct(line, doc_lexicon=Counter({"motie": 3, "hebben": 5})) == []


def test_shipped_confusion_model_is_learned_from_the_train_split_only():
    import json

    from flows.stages.correct.channel import MODEL_PATH, load_model

    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert "seed_public" not in data["trained_on"]["sources"]
    model = load_model()
    # Multi-character confusions come out of the data: m read as rn, y read as v.
    assert ("m", "rn") in model.confusions and ("y", "v") in model.confusions
    assert any(len(a) > 1 or len(b) > 1 for a, b in model.confusions)


# -- separators between words (flows/stages/correct/gaps.py) -------------------------


def test_spurious_full_stop_between_two_words_is_removed(corrector):
    text = "Het college heeft het ontwerp bekeken en het voldoet. aan de eisen."
    corrections = corrector.correct(text)
    assert apply(text, corrections) == (
        "Het college heeft het ontwerp bekeken en het voldoet aan de eisen."
    )
    assert len(corrections) == 1
    assert corrections[0].reason.startswith("gap:'. '->' '")


def test_line_break_stays_where_a_spurious_mark_is_removed(corrector):
    text = "Het ontwerp voldoet.\naan de eisen van het bouwbesluit."
    assert apply(text, corrector.correct(text)) == (
        "Het ontwerp voldoet\naan de eisen van het bouwbesluit."
    )


def test_comma_before_a_sentence_opening_word_becomes_a_full_stop(corrector):
    text = "De commissie vergadert elke maand over het geld, Op de agenda staat ook het jaarverslag."
    corrections = corrector.correct(text)
    assert [(c.before, c.after) for c in corrections] == [(", ", ". ")]
    assert corrections[0].reason.startswith("gap:")


def test_quote_mark_is_removed_only_when_nothing_closes_it(corrector):
    assert corrector.correct("lees het ‘echt’ verhaal van de wet en de regels") == []
    unclosed = "lees het ‘verhaal van de wet en de regels"
    assert apply(unclosed, corrector.correct(unclosed)) == (
        "lees het verhaal van de wet en de regels"
    )


def test_marks_inside_links_addresses_and_codes_are_guarded():
    from flows.stages.correct.gaps import gaps, guarded

    for text in ("zie politie.nl/woo", "mail j.jansen@minbuza.nl", "kenmerk 2023.0012"):
        inner = [g for g in gaps(text) if not g.sep.isspace()]
        assert inner and all(guarded(text, g) for g in inner), text
    plain = next(g for g in gaps("erop.hiermee") if g.sep == ".")
    assert not guarded("erop.hiermee", plain)


def test_gap_rules_need_a_clear_majority_from_several_documents():
    from flows.stages.correct.gaps import GapModel

    def model(contexts):
        return GapModel.from_counts(contexts, probability=0.9, count=8, sources=3)

    three_docs = {"lw\t. \tlf": {" ": [10, [0, 1, 2]]}}
    one_doc = {"lw\t. \tlf": {" ": [10, [0]]}}
    split_vote = {"lw\t. \tlf": {" ": [6, [0, 1, 2]], ". ": [4, [3]]}}
    quotes_only = {"Cw\t'\ts": {"’": [20, [0, 1, 2, 3]]}}
    assert model(three_docs).fix("lw", ". ", "lf")[:2] == (" ", 1.0)
    assert model(one_doc).fix("lw", ". ", "lf") is None
    assert model(split_vote).fix("lw", ". ", "lf") is None
    assert model(quotes_only).fix("Cw", "'", "s") is None  # typography, not damage


def test_rare_gap_context_backs_off_to_its_coarse_classes():
    from flows.stages.correct.gaps import GapModel

    contexts = {
        "lw\t-\tlf": {" ": [5, [0, 1, 2]]},  # too rare to decide on its own
        "lu\t-\tlw": {" ": [5, [3, 4, 5]]},
        "lw\t-\tlw": {
            "-": [9, [6, 7]]
        },  # frequent enough: its own verdict (keep) stands
    }
    m = GapModel.from_counts(contexts, probability=0.5, count=8, sources=3)
    assert m.fix("lw", "-", "lf")[0] == " " and m.fix("lw", "-", "lf")[3] == "l_l"
    assert m.fix("lw", "-", "lw") is None


def test_shipped_gap_model_is_learned_from_the_train_split_only():
    import json

    from flows.stages.correct.gaps import GAPS_PATH, read_gap_counts

    data = json.loads(GAPS_PATH.read_text(encoding="utf-8"))
    assert data["sources"] == data["trained_on"]["sources"]
    assert "seed_public" not in data["sources"]
    assert read_gap_counts()  # the shipped classes match the code's


# -- diacritics, compounds, and the gap model's decisions ----------------------


def test_accent_a_speck_added_is_removed_through_the_pooled_diacritic_confusion(
    corrector,
):
    text = "Het kenmêrk van de brief is bekend en de aanvraag ìs ontvangen."
    assert apply(text, corrector.correct(text)) == (
        "Het kenmerk van de brief is bekend en de aanvraag is ontvangen."
    )


def test_words_with_their_own_accents_stay(corrector):
    text = "Wij hebben u op 3 mei geïnformeerd over de financiën en de coördinatie met Oekraïne, één keer per week."
    assert corrector.correct(text) == []


def test_shipped_model_pools_diacritic_confusions_into_one_rate():
    from flows.stages.correct.channel import load_model

    model = load_model()
    # One learned rate for any accent added, dropped or swapped, rarer than the commonest confusions.
    assert -12.0 < model.diacritic_logp < -4.0
    assert (
        model.logp("kenmêrk", "kenmerk")[2] == 0
    )  # no unknown edit: the pool explains it


def test_compound_whose_seam_the_confusion_made_is_no_candidate(corrector):
    """ "agendeerde" is no misreading of "agent" + "leerde": the seam would be the edit itself."""
    assert (
        corrector.correct("In de commissie agendeerde de voorzitter het punt opnieuw.")
        == []
    )


def test_hyphen_joining_the_commonest_words_is_a_space(corrector):
    text = "Het besluit van-het college is genomen en de stemming volgt."
    corrections = corrector.correct(text)
    assert (
        apply(text, corrections)
        == "Het besluit van het college is genomen en de stemming volgt."
    )
    assert corrections[0].reason.startswith("gap:'-'->' '")


def test_host_like_token_ending_in_a_common_word_is_two_words():
    from flows.stages.correct.gaps import gaps, guarded

    for text in ("stemt in.de vergadering", "tegen drones.en de motie"):
        dot = next(g for g in gaps(text) if g.sep == ".")
        assert not guarded(text, dot), text
    for text in ("zie politie.nl", "via wwww.denbaag.nbezwaar", "zie i.v.m. de wet"):
        assert all(guarded(text, g) for g in gaps(text) if g.sep == "."), text


def test_letter_after_a_dot_is_part_of_an_initialism():
    from flows.stages.correct.gaps import gap_classes, gaps

    g = next(g for g in gaps("ASTELLAS B.V, DSM") if g.left == "V")
    assert gap_classes(g, lambda w: 0.0) == ("i", "Cu")


def test_gap_reading_is_the_one_closest_to_the_truth_on_average():
    """A misread "." that stood for a space mostly and for a comma sometimes becomes a
    space: never further from the truth than the "." was."""
    from flows.stages.correct.gaps import GapModel

    contexts = {"lw\t. \tlt": {" ": [14, [0, 1, 2]], ", ": [6, [3, 4]]}}
    m = GapModel.from_counts(contexts, probability=0.9, count=8, sources=3)
    assert m.fix("lw", ". ", "lt")[0] == " "


def test_rarely_seen_gap_context_needs_more_than_a_few_unanimous_observations():
    from flows.stages.correct.gaps import GapModel

    few = {"lw\t: \tCt": {". ": [8, [0, 1, 2]]}}
    many = {"lw\t: \tCt": {". ": [40, [0, 1, 2]]}}

    def model(contexts):
        return GapModel.from_counts(
            contexts, probability=0.8, count=8, sources=3, keep_prior=4
        )

    assert model(few).fix("lw", ": ", "Ct") is None
    assert model(many).fix("lw", ": ", "Ct")[0] == ". "


def test_letter_split_off_a_word_is_joined_back(corrector):
    text = "uitgave van de gemeente 's-G ravenhage en de v ergadering"
    corrections = corrector.correct(text)
    assert (
        apply(text, corrections)
        == "uitgave van de gemeente 's-Gravenhage en de vergadering"
    )
    assert {c.reason for c in corrections} == {"join"}


def test_one_letter_word_before_a_real_word_is_not_joined(corrector):
    assert corrector.correct("zie artikel 3 a lid 2 en u kunt bezwaar maken") == []


def test_another_inflection_of_a_label_word_is_no_damage(corrector):
    """ "beleidsopvatting" stays under the ground label "Persoonlijke beleidsopvattingen"."""
    line = "Persoonlijke beleidsopvatting van de minister is niet openbaar gemaakt."
    assert corrector.correct(line) == []


ABBREVIATION_LINE = (
    "Btis is de indexering geüniformeerd, waardoor er geen verschillen zijn."
)


def test_capitalised_word_opening_a_wrapped_line_is_read_as_a_name(corrector):
    """Only a line after a sentence mark opens a sentence; "Btis" after "uit het" is a name."""
    after_stop = "Het tarief voor tolken is gewijzigd.\n" + ABBREVIATION_LINE
    wrapped = "Het tarief voor tolken uit het\n" + ABBREVIATION_LINE
    assert [c.after for c in corrector.correct(after_stop)] == ["Bus"]
    assert corrector.correct(wrapped) == []


def test_short_name_the_text_defines_is_left_alone(corrector):
    text = "Het Besluit tarieven (hierna: Btis) is gewijzigd.\n" + ABBREVIATION_LINE
    assert corrector.correct(text) == []
    assert defined_terms(
        "de Conventie (hierna te noemen: de Conventie) en (verder: NZa)"
    ) == {
        "conventie",
        "nza",
    }


def test_short_name_defined_in_another_part_is_left_alone(corrector):
    text = "Het tarief voor tolken is gewijzigd.\n" + ABBREVIATION_LINE
    assert corrector.correct(text, defined=defined_terms("(hierna: Btis)")) == []


def test_a_confusion_inside_a_word_keeps_the_words_own_case(corrector):
    """Only a first letter the confusion capitalised keeps the variant's case ("ledereen" -> "Iedereen")."""
    corrections = corrector.correct("De Minlster van Buitenlandse Zaken heeft de Kamer geïnformeerd.")
    assert [(c.before, c.after) for c in corrections] == [("Minlster", "Minister")]


def test_dutch_sentence_after_an_english_one_on_the_same_line_stays_dutch(corrector):
    text = (
        "Decides that the Panel shall report to the Council and remain\n"
        "actively seized of the matter. Op 19 oktober 2023 heeft de\n"
        "Veiligheidsraad besloten."
    )
    assert corrector.correct(text) == []


def test_a_correction_is_kept_only_when_what_it_read_of_the_lexicon_reads_the_same(corrector):
    """`unchanged_for` against the corrector itself: the seed's beslisnota is
    corrected with its public part as release lexicon, then with changed
    lexicons (words added near its words and far from them, words removed,
    counts raised). Wherever `unchanged_for` says the correction reads the
    same, the corrections are the same; and it says so for some changes
    and not for others, among them changes that do alter the corrections."""
    public, beslisnota = seed_parts()
    lexicon = document_lexicon([public])
    traced = TracedLexicon.tracing(LexiconIndex.of(lexicon), "before")
    before = corrector.correct(beslisnota, doc_lexicon=traced)
    use = traced.use()
    rng = random.Random(15)
    words = sorted(lexicon)
    tokens = sorted({w.lower() for w in re.findall(r"[^\W\d_]{4,}", beslisnota)})
    changes = [{"Oekraïne": -lexicon["Oekraïne"]}, {"clusterbommen": -lexicon["clusterbommen"]}]
    for trial in range(40):
        change: Counter[str] = Counter()
        if trial % 4 == 0:  # new words far from any word of the text
            change.update("".join(rng.choice("qxzjwy") for _ in range(8)) for _ in range(3))
        elif trial % 4 == 1:  # a new word one letter away from a word of the text
            t = rng.choice(tokens)
            i = rng.randrange(len(t))
            change[t[:i] + rng.choice("aeioun") + t[i + 1:]] = rng.randint(1, 5)
        elif trial % 4 == 2:  # words removed
            change.update({w: -lexicon[w] for w in rng.sample(words, 3)})
        else:  # counts raised
            change.update({w: rng.randint(1, 40) for w in rng.sample(words, 5)})
        changes.append(change)
    kept = altered = 0
    for change in changes:
        new = Counter(lexicon)
        new.update(change)
        new = +new  # drop what fell to zero
        index = LexiconIndex.of(new)
        after = corrector.correct(beslisnota, doc_lexicon=index)
        if unchanged_for(use, index, {w.lower() for w in lexicon} ^ index.words):
            kept += 1
            assert after == before, change
        elif after != before:
            altered += 1
    assert kept >= 10 and altered >= 2


def test_release_lexicon_is_indexed_once_per_release_in_a_worker():
    """A worker finishes many documents of one release: the index of its
    lexicon is built for the first and reused for the others, and a new
    release's lexicon (another digest) is indexed again."""
    from flows.stages.correct.stage import release_index

    first = Counter({"Oekraïne": 3, "clusterbommen": 1})
    assert release_index(first, "a") is release_index(Counter(first), "a")
    second = release_index(Counter({"Rusland": 2}), "b")
    assert second.has("rusland") and not second.has("oekraïne")
    assert release_index(first, "") is not release_index(first, "")  # no digest: nothing to know it by
