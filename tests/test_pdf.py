"""The PDF backend (flows/stages/extract/pdf.py): page walk in paint order, text from
glyphs, OCR of scans only, and clear reasons for broken PDFs.

OCR runs are real (OCRmyPDF + Tesseract) and kept to a few pages: the seed
release, concatenated into one PDF as Woo releases are, is OCRed once per
session.
"""

from __future__ import annotations

import base64
import csv
import io
import tracemalloc
import zlib
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from flows.model import Page, luminance
from flows.model.errors import PdfError
from flows.registry.grounds import find_codes
from flows.registry.matching import find_markers
from flows.stages.extract.opening import page_count
from flows.stages.extract.pdf import extract_pages
from flows.stages.extract.walk import needs_ocr
from tests.fixtures import bad_pdfs, seed_pdfs


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed")
    seed_pdfs.generate(out)
    return out


@pytest.fixture(scope="session")
def answers_pdf(seed_dir: Path) -> Path:
    return seed_dir / f"{seed_pdfs.SEED.stem}-antwoorden.pdf"


@pytest.fixture(scope="session")
def memo_pdf(seed_dir: Path) -> Path:
    return seed_dir / f"{seed_pdfs.SEED.stem}-beslisnota.pdf"


@pytest.fixture(scope="session")
def release(seed_dir: Path, answers_pdf: Path, memo_pdf: Path) -> tuple[Path, int, list[Page]]:
    """Answers + scanned memo in one PDF, extracted once (with OCR)."""
    out = seed_dir / "release.pdf"
    with pikepdf.open(answers_pdf) as a, pikepdf.open(memo_pdf) as m:
        n_answers = len(a.pages)
        a.pages.extend(m.pages)
        a.save(out)
    return out, n_answers, extract_pages(out, ocr_jobs=2)


# -- born-digital text ------------------------------------------------------


def test_born_digital_answers_are_read_by_pdfminer_in_reading_order(answers_pdf: Path) -> None:
    pages = extract_pages(answers_pdf)
    assert len(pages) >= 2 and [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert {p.engine for p in pages} == {"pdfminer.six"}
    text = "\n".join(p.text for p in pages)
    positions = [text.index(f"Vraag {n}\n") for n in range(1, 11)]
    assert positions == sorted(positions)
    assert "Is de Nederlandse regering op de hoogte gesteld van het besluit" in text
    assert "Oekraïne" in text


def test_page_range_returns_real_page_numbers(answers_pdf: Path) -> None:
    n = page_count(answers_pdf)
    pages = extract_pages(answers_pdf, first=2, last=n)
    assert [p.number for p in pages] == list(range(2, n + 1))


def test_page_without_text_layer_needs_ocr_but_a_blank_page_does_not() -> None:
    scan = Page(1, 595, 842, "pdfminer.six", "", "", images=[object()])  # type: ignore[list-item]
    blank = Page(2, 595, 842, "pdfminer.six", "", "")
    assert needs_ocr("", scan)
    assert not needs_ocr("", blank)
    assert needs_ocr("(cid:12)(cid:40)(cid:7) (cid:9)(cid:3)" * 20 + " Datum", blank)
    assert not needs_ocr("Vraag 1 Is de Nederlandse regering op de hoogte gesteld?", scan)


def test_committed_seed_pdfs_are_what_the_generator_makes(answers_pdf: Path, memo_pdf: Path) -> None:
    committed = seed_pdfs.ROOT / "seeds"
    for fresh in (answers_pdf, memo_pdf):
        old = committed / fresh.name
        assert old.stat().st_size < 1_000_000
        assert [(p.text, p.engine, len(p.images)) for p in extract_pages(old, ocr=False)] == [
            (p.text, p.engine, len(p.images)) for p in extract_pages(fresh, ocr=False)
        ]


# -- geometry for the redaction checks ----------------------------------------


def _geometry_pdf(path: Path) -> None:
    """Text under a black box with a white stamp on top, a translucent
    highlight, invisible text, a CMYK box, text inside a form XObject in
    blue, a dark image, and a /Redact annotation."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont("Helvetica", 12)
    c.drawString(72, 700, "Jan Jansen belde op maandag")
    c.setFillColorRGB(0, 0, 0)
    c.rect(70, 696, 70, 16, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.drawString(80, 700, "5.1.2e")
    c.setFillColorRGB(1, 1, 0)
    c.setFillAlpha(0.4)
    c.rect(70, 650, 200, 16, stroke=0, fill=1)
    c.setFillAlpha(1)
    t = c.beginText(72, 600)
    t.setTextRenderMode(3)
    t.textLine("onzichtbare tekst")
    c.drawText(t)
    c.setFillColorCMYK(0, 0, 0, 1)
    c.rect(300, 600, 50, 20, stroke=0, fill=1)
    c.beginForm("stempel")
    c.setFillColorRGB(0, 0, 1)
    c.setFont("Helvetica", 10)
    c.drawString(0, 0, "in formulier")
    c.endForm()
    c.saveState()
    c.translate(72, 500)
    c.doForm("stempel")
    c.restoreState()
    img = io.BytesIO()
    Image.new("L", (40, 10), 20).save(img, format="PNG")
    c.drawImage(ImageReader(img), 72, 400, width=80, height=20)
    c.showPage()
    c.save()
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        annot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Redact,
                                                     Rect=[300, 300, 400, 320], IC=[0, 0, 0], C=[1, 0, 0]))
        pdf.pages[0].obj["/Annots"] = pikepdf.Array([annot])
        pdf.save(path)


def test_walk_keeps_paint_order_colours_alpha_render_mode_images_and_annotations(tmp_path: Path) -> None:
    path = tmp_path / "geometry.pdf"
    _geometry_pdf(path)
    (page,) = extract_pages(path, ocr=False)
    box = next(s for s in page.shapes if s.filled and s.fill_color == (0.0, 0.0, 0.0) and s.bbox[1] > 690)
    under = [g for g in page.glyphs if g.order < box.order and g.bbox[0] >= box.bbox[0] and g.bbox[2] <= box.bbox[2]
             and g.bbox[1] >= box.bbox[1] - 1 and g.bbox[3] <= box.bbox[3] + 1]
    on_top = [g for g in page.glyphs if g.order > box.order and g.bbox[1] > 690]
    assert "".join(g.text for g in under).startswith("Jan Jans")
    assert "".join(g.text for g in on_top) == "5.1.2e" and all(g.color == (1.0, 1.0, 1.0) for g in on_top)
    highlight = next(s for s in page.shapes if s.bbox[1] > 640 and s.bbox[1] < 660)
    assert highlight.alpha == pytest.approx(0.4) and highlight.fill_color == (1.0, 1.0, 0.0)
    assert box.alpha == 1.0
    assert {g.render_mode for g in page.glyphs if g.bbox[1] > 590 and g.bbox[1] < 610} == {3}
    cmyk = next(s for s in page.shapes if s.bbox[0] == pytest.approx(300))
    assert luminance(cmyk.fill_color) == pytest.approx(0.0)
    in_form = [g for g in page.glyphs if 495 < g.bbox[1] < 510]
    assert "".join(g.text for g in in_form) == "in formulier"
    assert in_form[0].color == (0.0, 0.0, 1.0) and in_form[0].bbox[0] == pytest.approx(72, abs=0.5)
    (image,) = page.images
    assert (image.width_px, image.height_px) == (40, 10)
    assert image.bbox == pytest.approx((72, 400, 152, 420), abs=0.5)
    assert image.mean_luminance == pytest.approx(20 / 255, abs=0.01)
    (annot,) = page.annotations
    assert annot.subtype == "Redact" and annot.interior_color == (0.0, 0.0, 0.0) and annot.color == (1.0, 0.0, 0.0)
    orders = [o.order for o in (*page.glyphs, *page.shapes, *page.images)]
    assert len(orders) == len(set(orders))
    assert "Jan Jansen belde op maandag" in page.text


# -- OCR of scans -------------------------------------------------------------


def test_only_scanned_pages_are_ocred(release: tuple[Path, int, list[Page]]) -> None:
    _, n_answers, pages = release
    assert [p.engine for p in pages] == ["pdfminer.six"] * n_answers + ["tesseract"] * (len(pages) - n_answers)
    for p in pages[n_answers:]:
        assert p.engine_version.startswith("5.") and p.ocr_confidence is not None and p.ocr_confidence > 80
        assert p.text.strip() and p.ocr_words


HELVETICA_WITHOUT_ENCODING = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def test_a_font_without_encoding_reads_the_same_after_a_page_was_ocred(release: tuple[Path, int, list[Page]],
                                                                       tmp_path: Path) -> None:
    """Importing OCRmyPDF replaces a pdfminer.six method for the whole
    process (a simple font with neither /ToUnicode nor /Encoding would then
    read as "(cid:N)"). `release` OCRed pages in this process; the text
    extracted now is the one a fresh worker extracts, through the font's
    built-in encoding."""
    from pdfminer.pdffont import PDFSimpleFont

    _, n_answers, pages = release
    assert any(p.engine == "tesseract" for p in pages[n_answers:])
    path = tmp_path / "standard-font.pdf"
    path.write_bytes(bad_pdfs.one_page(b"BT /F1 12 Tf 72 700 Td (Rapport over de uitvoering) Tj ET",
                                       HELVETICA_WITHOUT_ENCODING))
    assert "Rapport over de uitvoering" in extract_pages(path, ocr=False)[0].text
    assert PDFSimpleFont.__init__.__module__ == "pdfminer.pdffont"


def test_scanned_memo_yields_stamps_and_header_fields(release: tuple[Path, int, list[Page]]) -> None:
    _, n_answers, pages = release
    memo = "\n".join(p.text for p in pages[n_answers:])
    markers = find_markers(memo)
    assert sum(1 for m in markers if m.kind == "code" and m.code == "5.1.2e") >= 2
    assert sum(1 for m in markers if m.kind == "label" and m.code == "5.1.2e") >= 2
    assert any(m.kind == "withheld_heading" for m in markers)
    for label in ("Datum", "Aanleiding", "Opgesteld door", "Afgestemd met", "Binnengekomen op", "Kernpunten"):
        assert label in memo


def test_ocr_word_boxes_are_in_page_points(release: tuple[Path, int, list[Page]]) -> None:
    """The stamps sit in the Rijkshuisstijl margin (x >= 420 pt in the
    generator) and the body text left of it: pixel boxes were converted."""
    _, n_answers, pages = release
    first = pages[n_answers]
    stamps = [w for w in first.ocr_words if find_codes(w.text)]
    assert stamps and all(418 <= w.bbox[0] <= 500 for w in stamps)
    body = next(w for w in first.ocr_words if w.text == "Aanleiding")
    assert 70 <= body.bbox[0] <= 80 and body.bbox[1] < body.bbox[3] <= first.height


def test_scan_without_tesseract_is_refused_not_published_empty(memo_pdf: Path, answers_pdf: Path,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PdfError) as e:
        extract_pages(memo_pdf)
    assert e.value.reason == "OCR engine not installed"
    assert extract_pages(answers_pdf)[0].engine == "pdfminer.six"  # born-digital needs no OCR


def test_scan_in_pdf_encrypted_with_empty_password_is_ocred(memo_pdf: Path, tmp_path: Path) -> None:
    """OCRmyPDF refuses encrypted input; such a PDF is OCRed from a
    decrypted copy, as pdfminer reads it with the empty password."""
    path = tmp_path / "encrypted-scan.pdf"
    with pikepdf.open(memo_pdf) as pdf:
        del pdf.pages[0]
        pdf.save(path, encryption=pikepdf.Encryption(owner="eigenaar", user="", R=6))
    (page,) = extract_pages(path)
    assert page.engine == "tesseract" and "Internationale en diplomatieke belangen" in page.text


# -- bad PDFs ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(bad_pdfs.BAD_PDFS))
def test_bad_pdf_gives_its_reason(name: str, tmp_path: Path) -> None:
    make, reason = bad_pdfs.BAD_PDFS[name]
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(make())
    if reason is None:
        (page,) = extract_pages(path, timeout=60)
        assert bad_pdfs.SECRET_TEXT in page.text
        return
    with pytest.raises(PdfError) as e:
        extract_pages(path, timeout=60)  # a hang would surface as "timed out"
    assert e.value.reason == reason


def _refused_as_a_bomb_within(path: Path, limit: int) -> bool:
    """Reading `path` is refused as a decompression bomb, and the memory it
    took on the way stayed under `limit` bytes (the bomb was not inflated)."""
    tracemalloc.start()
    try:
        with pytest.raises(PdfError, match="decompression bomb"):
            extract_pages(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak < limit


@pytest.mark.parametrize("armour", [None, "ASCII85Decode", "ASCIIHexDecode"])
def test_decompression_bomb_is_refused_without_inflating_it(tmp_path: Path, armour: str | None) -> None:
    """Bare, or under the text armour ReportLab puts on every page (which
    pdfminer would undo and then inflate in one piece)."""
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bad_pdfs.decompression_bomb(megabytes=300, armour=armour))
    assert _refused_as_a_bomb_within(path, 100 * 2**20)


@pytest.mark.parametrize("where", ["ToUnicode", "FontFile2"])
def test_a_bomb_in_a_font_stream_is_refused_without_inflating_it(tmp_path: Path, where: str) -> None:
    """pdfminer decodes a font's CMap and program when it loads the font:
    they are bounded like the page's content."""
    path = tmp_path / "font-bomb.pdf"
    path.write_bytes(bad_pdfs.font_stream_bomb(where, megabytes=300))
    assert _refused_as_a_bomb_within(path, 100 * 2**20)


@pytest.mark.parametrize("armour", ["ASCII85Decode", "ASCIIHexDecode"])
def test_a_content_stream_under_text_armour_reads_as_the_bare_one(tmp_path: Path, armour: str) -> None:
    """The armour is undone before the capped inflation: the page's glyphs
    are those of the same content stream written bare."""
    content = b"BT /F1 12 Tf 72 700 Td (Rapport over de uitvoering) Tj ET"
    resources = HELVETICA_WITHOUT_ENCODING
    packed = zlib.compress(content)
    text = base64.a85encode(packed) + b"~>" if armour == "ASCII85Decode" else packed.hex().encode() + b">"
    bare, armoured = tmp_path / "bare.pdf", tmp_path / "armoured.pdf"
    bare.write_bytes(bad_pdfs.one_page(content, resources))
    armoured.write_bytes(bad_pdfs.one_page(text, resources, b"/Filter [/" + armour.encode() + b" /FlateDecode]"))
    a, b = extract_pages(bare, ocr=False), extract_pages(armoured, ocr=False)
    assert "Rapport over de uitvoering" in a[0].text
    assert [(g.text, g.bbox) for g in a[0].glyphs] == [(g.text, g.bbox) for g in b[0].glyphs]


# The alarm can land in a weakref callback, where Python prints the
# exception and drops it ("Exception ignored in"); `time_limit` fires
# again a second later for that reason, so the page is still cut off.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_slow_page_is_cut_off_by_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "slow.pdf"
    path.write_bytes(bad_pdfs.one_page(b"0 0 m 1 1 l S\n" * 200_000))
    with pytest.raises(PdfError) as e:
        extract_pages(path, timeout=0.5)
    assert e.value.reason == "timed out"


def test_page_count_of_a_pdf_without_pages_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(bad_pdfs.zero_pages())
    with pytest.raises(PdfError, match="no pages"):
        page_count(path)


# -- real documents (skipped without ../shared/data) -----------------------------


BORN_DIGITAL_SAMPLE = ("brief1.pdf", "kst.pdf", "politie1.pdf", "staatsblad.pdf", "wobError.pdf", "denhaag2.pdf")


@pytest.mark.parametrize("name", BORN_DIGITAL_SAMPLE)
def test_real_born_digital_pages_get_text_from_pdfminer(real_data: Path, name: str) -> None:
    pages = extract_pages(real_data / "dutch-gov-pdfs" / name)
    assert pages and all(p.engine == "pdfminer.six" for p in pages)
    assert all(len(p.text.split()) >= 20 for p in pages)


def test_real_scanned_woo_pages_are_ocred_and_show_their_stamps(real_data: Path, tmp_path: Path) -> None:
    """The zylab pages are Woo-era scans with grey boxes stamped "5.1.2e" in
    white: the stamp must survive OCR on every page."""
    folder = real_data / "woo-redaction-pages"
    with (folder / "labels.csv").open() as f:
        zylab = sorted(r["File"] for r in csv.DictReader(f) if r["corpus"] == "zylab")
    sample = zylab[:2]
    pdf = tmp_path / "woo.pdf"
    pdf.write_bytes(img2pdf.convert([str(folder / "images" / n) for n in sample],
                                    layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))
    pages = extract_pages(pdf, ocr_jobs=2)
    assert [p.engine for p in pages] == ["tesseract"] * len(sample)
    for page in pages:
        assert [c.code for c in find_codes(page.text)].count("5.1.2e") >= 2
