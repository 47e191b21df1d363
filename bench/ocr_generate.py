"""Generate aligned (truth, OCR) page pairs for the OCR corrector.

Real Dutch text (the text layers of the born-digital PDFs in
`../shared/data/dutch-gov-pdfs/` and the seed's public part) is rendered to
page images at several scan qualities, OCR'd with Tesseract `-l nld+eng`
(the engine and languages the pipeline's OCRmyPDF step uses) and cached as
JSON under `bench/out/ocr_pairs/`. Sources are split by file into a train half
(the confusion model is learned from it by `bench/ocr_train.py`) and a test
half (`bench/ocr_eval.py` reports on it), so no figure is measured on text the
model was learned from.

Run: `python bench/ocr_generate.py [--chunks-per-source 2] [--train-extra 12]
[--train-fonts] [--jobs 2] [--qualities NAME ...]` (about 250 pages by default;
`--train-extra 12` adds about 260, `--train-fonts --qualities 150_bin_noise
200_bin` about 280 more; 10-15 minutes per 250 pages on two busy cores; pages
already cached are skipped).

`--train-extra N` adds up to N more passages per train source, taken from the
parts of its text the default chunks do not cover, so the models see more
text without a passage counted twice. `--train-fonts` renders every train
passage once more in each other font, so the models see the same text
damaged in other ways. The test split is never extended, so its figures stay
comparable between runs. Extra passages are cached as
`<source>.x<k>.<quality>.json` and re-renderings as
`<source>.<chunk>.<quality>@<font>.json`, names no `--chunks-per-source`
setting produces: changing that setting re-chunks the text, and its cached
files would then hold other passages than their index says, so keep it at its
default once pages are cached (or clear the cache).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "ocr_pairs"
SEED = REPO / "seeds" / "000_0ab521027ec415e7.txt"
SEED_OCR_START = "I Ministerie van Buitenlandse Zaken"
FONTS = (
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class Quality:
    """One scan quality bucket: resolution, binarisation, noise, skew."""

    name: str
    dpi: int
    threshold: int | None  # grey level below which a pixel turns black; None keeps grey
    blur: float = (
        0.0  # Gaussian blur radius in pixels (scanner optics) before thresholding
    )
    noise: float = 0.0  # std-dev of Gaussian grey noise before thresholding
    skew: float = 0.0  # degrees
    train_only: bool = False
    font: str | None = None  # fixed font; by default each chunk draws one from FONTS


# Tuned so that CER lands where REFERENCE.md measured real scans with
# Tesseract nld: clean 300 dpi ~0%, 200 dpi binarised ~0.2%, 150 dpi binarised 2.5-11%.
QUALITIES = (
    Quality("300_clean", 300, None),
    Quality("200_bin", 200, 180, blur=0.8, noise=20),
    Quality("200_bin_skew", 200, 180, blur=0.8, noise=20, skew=1.2),
    Quality("150_bin_noise", 150, 180, blur=0.8, noise=30),
    # Harsher buckets (bold-ish and thin strokes), only there to show the model more confusions.
    Quality("150_heavy", 150, 190, blur=0.9, noise=35, train_only=True),
    Quality("150_thin", 150, 130, blur=0.8, noise=30, train_only=True),
    # Faint serif print (memos in a serif face, light toner) loses descenders: y -> v.
    Quality(
        "150_faint_serif", 150, 115, blur=0.9, noise=30, train_only=True, font=FONTS[1]
    ),
)


def shared_data() -> Path:
    """The shared reference data folder (env LAKMOES_SHARED_DATA wins)."""
    env = os.environ.get("LAKMOES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def clean_layer_text(raw: str) -> str:
    """Text layer to running text: undo line-end hyphenation, drop layout noise."""
    text = raw.replace("\r\n", "\n").replace("\ufffe\n", "").replace("\ufffe", "")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    text = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return clean_layer_text(
            "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        )
    finally:
        doc.close()


def sources() -> dict[str, str]:
    """Name -> truth text of every source (PDF text layers and the seed's public part)."""
    out = {}
    for pdf in sorted((shared_data() / "dutch-gov-pdfs").glob("*.pdf")):
        out[pdf.stem] = pdf_text(pdf)
    seed = SEED.read_text(encoding="utf-8")
    out["seed_public"] = clean_layer_text(seed[: seed.index(SEED_OCR_START)])
    return out


def split_of(name: str) -> str:
    """Train/test split by source file, stable across runs (seed public is always test)."""
    if name == "seed_public":
        return "test"
    return "train" if hashlib.sha1(name.encode()).digest()[0] % 2 == 0 else "test"


def chunks(text: str, words_per_chunk: int, limit: int) -> list[str]:
    words = text.split()
    step = max(words_per_chunk, len(words) // max(limit, 1))
    return [
        " ".join(words[i : i + words_per_chunk]) for i in range(0, len(words), step)
    ][:limit]


def extra_chunks(text: str, words_per_chunk: int, limit: int, extra: int) -> list[str]:
    """Up to `extra` passages of up to `words_per_chunk` words that overlap none of `chunks()`' passages.

    Windows are cut from the stretches between the default passages and taken
    evenly spread over the text, so a long source gives passages from all its parts.
    """
    words = text.split()
    step = max(words_per_chunk, len(words) // max(limit, 1))
    taken = [
        (i, min(i + words_per_chunk, len(words))) for i in range(0, len(words), step)
    ][:limit]
    bounds = [b for _, b in taken]
    ends = [a for a, _ in taken[1:]] + [len(words)]
    free = [
        i
        for start, end in zip(bounds, ends, strict=False)
        for i in range(start, end - words_per_chunk // 2, words_per_chunk)
    ]
    if len(free) > extra:
        free = [
            free[round(k * (len(free) - 1) / max(extra - 1, 1))] for k in range(extra)
        ]
    return [" ".join(words[i : i + words_per_chunk]) for i in dict.fromkeys(free)]


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and font.getlength(trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def render(
    text: str, quality: Quality, font_path: str, seed: int
) -> tuple[Image.Image, str]:
    """Render text as an A4 scan at the bucket's quality; return image and the truth as laid out.

    Text is drawn at 2x the target resolution and scaled down, as a scanner's
    optics blur glyph edges, then binarised (with noise first where asked).
    """
    scale = 2
    dpi = quality.dpi * scale
    font = ImageFont.truetype(font_path, round(11 * dpi / 72))
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    margin = dpi
    lines = wrap(text, font, width - 2 * margin)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    step = round(font.size * 1.45)
    y = margin
    kept = []
    for line in lines:
        if y + step > height - margin:
            break
        draw.text((margin, y), line, font=font, fill=0)
        kept.append(line)
        y += step
    img = img.resize((width // scale, height // scale), Image.LANCZOS)
    if quality.skew:
        img = img.rotate(
            quality.skew, resample=Image.BICUBIC, fillcolor=255, expand=False
        )
    if quality.threshold is not None:
        if quality.blur:
            img = img.filter(ImageFilter.GaussianBlur(quality.blur))
        arr = np.asarray(img, dtype=np.float32)
        arr = arr + np.random.default_rng(seed).normal(0, quality.noise, arr.shape)
        img = Image.fromarray(((arr > quality.threshold) * 255).astype(np.uint8))
    return img, "\n".join(kept)


def ocr(img: Image.Image, dpi: int) -> str:
    """Tesseract with the pipeline's languages, one thread (the bench runs pages in parallel)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        img.save(path, dpi=(dpi, dpi))
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        done = subprocess.run(
            ["tesseract", str(path), "-", "-l", "nld+eng", "--dpi", str(dpi)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    return done.stdout


def drawn_font(name: str, index: int | str) -> str:
    """The font a passage is rendered in by default (drawn from its name, stable across runs)."""
    seed = int.from_bytes(hashlib.sha1(f"{name}/{index}".encode()).digest()[:4], "big")
    return FONTS[seed % len(FONTS)]


def cache_path(name: str, index: int | str, quality: Quality, font: str | None) -> Path:
    """Where a page is cached; a re-rendering in another font gets its own name."""
    tail = f"@{Path(font).stem}" if font else ""
    return OUT / f"{name}.{index}.{quality.name}{tail}.json"


def job(args: tuple[str, int | str, str, Quality, str | None]) -> dict:
    name, index, text, quality, other_font = args
    key = f"{name}/{index}" + (f"/{Path(other_font).stem}" if other_font else "")
    seed = int.from_bytes(hashlib.sha1(key.encode()).digest()[:4], "big")
    font = other_font or quality.font or drawn_font(name, index)
    img, truth = render(text, quality, font, seed)
    return {
        "source": name,
        "chunk": index,
        "quality": quality.name,
        "split": split_of(name),
        "font": Path(font).stem,
        "truth": truth,
        "ocr": ocr(img, quality.dpi),
        "path": cache_path(name, index, quality, other_font).name,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks-per-source", type=int, default=2)
    parser.add_argument("--words", type=int, default=220)
    parser.add_argument(
        "--train-extra",
        type=int,
        default=0,
        help="extra passages per train source, outside the default chunks",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--qualities", nargs="*", help="only these buckets (default: all)"
    )
    parser.add_argument(
        "--train-fonts",
        action="store_true",
        help="also render train passages in the other fonts (more damage to learn from)",
    )
    args = parser.parse_args()
    if not (shared_data() / "dutch-gov-pdfs").is_dir():
        sys.exit(
            f"no reference PDFs at {shared_data() / 'dutch-gov-pdfs'} (set LAKMOES_SHARED_DATA)"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    todo = []
    for name, text in sources().items():
        passages: list[tuple[int | str, str]] = list(
            enumerate(chunks(text, args.words, args.chunks_per_source))
        )
        if split_of(name) == "train" and args.train_extra:
            extra = extra_chunks(
                text, args.words, args.chunks_per_source, args.train_extra
            )
            passages += [(f"x{k}", chunk) for k, chunk in enumerate(extra)]
        for index, chunk in passages:
            for quality in QUALITIES:
                if args.qualities and quality.name not in args.qualities:
                    continue
                if quality.train_only and split_of(name) != "train":
                    continue
                fonts: list[str | None] = [None]
                if args.train_fonts and split_of(name) == "train" and not quality.font:
                    fonts += [f for f in FONTS if f != drawn_font(name, index)]
                for font in fonts:
                    if not cache_path(name, index, quality, font).exists():
                        todo.append((name, index, chunk, quality, font))
    print(f"{len(todo)} pages to OCR", file=sys.stderr)
    with ProcessPoolExecutor(args.jobs) as pool:
        for n, pair in enumerate(pool.map(job, todo), 1):
            (OUT / pair.pop("path")).write_text(
                json.dumps(pair, ensure_ascii=False), encoding="utf-8"
            )
            if n % 20 == 0:
                print(f"{n}/{len(todo)}", file=sys.stderr)


if __name__ == "__main__":
    main()
