"""Redaction boxes in scanned page images, and the grounds stamped on them.

On an image-only page there are no vector shapes to inspect: a redaction is a
patch of pixels. Woo releases use four styles: black boxes, grey boxes,
coloured boxes (often pastel, with a dark stamp) and outlined boxes (a thin
border around white, the stamp inside). Most carry a stamped ground such as
"5.1.2e", so a box's interior is never one colour.

The method is image morphology, in the spirit of the UvA detector (van
Heusden, Kamps, Marx, TPDL 2023), with no per-document tuning:

* Pages are first scaled to about 200 dpi, so that every size below is in
  pixels of a 200 dpi page whatever the scan resolution.
* Filled boxes: the page's pixels are sorted into dark, grey and coloured
  masks (after a median filter that evens out scan texture). The stamp's
  white letters are holes in a box's mask and are filled; an opening with a
  square kernel then wipes out text strokes (a few pixels thick) while a
  box, many pixels thick in both directions, survives. Boxes stacked on top
  of each other are split where a row's left or right end jumps. What
  remains must look like a drawn box on the unfiltered page too: mostly of
  its class, with straight covered edges, and (for colour) one hue, which a
  logo or a photo does not have. A dark stamp printed on a coloured box
  counts as the box (its letters have the fill on both sides), so a box
  whose stamp fills it or sits against its edge stays whole.
  A band whose side a word set against its corner bends over its last
  rows (colour fringes join the letters to the fill) is cut back to its
  straight rows. A patch is named by its colour, whichever mask found it:
  a vivid red piece of a coat of arms, dark enough for the black mask, is
  a coloured patch and too small for a box.
* Stacks: coloured boxes on consecutive lines with no paper between them
  (touching, or with a line between them that is fill but was lost as a
  box, its edge bent by the stamp), sharing a left or right edge and one
  fill, are one redaction of their bounds: a recipient list or an address
  redacted line by line reads as one patch. Other styles stay line by line.
* Highlights: a coloured patch over printed words that read through it
  hides nothing. When dark ink runs across a coloured candidate edge to
  edge at text density, Tesseract reads it; confidently read words with
  no ground or withheld-passage marker among them make it a highlight,
  which is dropped (a box's only text is its stamp; a marker scribbled
  over text reads as low-confidence scraps).
* Faint fills: a borderless box of light grey that a scan turns into a
  stipple of pale dots, a few grey levels under the paper. The local mean
  over a window wider than the dither finds it; it counts only with a
  stamp at its start (a word of dark ink ending where the tint begins)
  and the halftone's grain (flat table shading and pale grey text are no
  redactions). The box is the stamp and the tint, one text line high.
* Marker patches: felt-tip marker laid over text by hand is no rectangle.
  Vivid pixels of one hue are closed into patches; a patch counts when most
  of its bounding box is coloured and it holds dark strokes (the text under
  it, pen scribbles), which a coloured chart or logo does not. A patch made
  mostly of printed boxes is left to those boxes.
* Outlined boxes: long horizontal and vertical ink runs are kept (allowed to
  drift a pixel or two, as scanned borders do); the white regions they
  enclose are candidate boxes. Borders too faint or broken for that (a
  stamp set against them, speckled scans) are found as regions enclosed by
  all ink with its dashes joined; such a region must be walled in on every
  side, with a straight rule or a thin stroke on one horizontal and one
  vertical side, which the gap between two lines of text is not. The
  region must be a rectangle, filling the corners of its bounds: the
  counter of a large heading or logo letter ("O", "0", "D", "B") is also
  walled in by ink with flat stretches, but has round corners. A region
  that is no rectangle may still be a stepped frame round a passage that
  starts or ends mid-line: its outline runs along thin horizontal and
  vertical rules all round, and its redaction is its bounding rectangle.
  A candidate is rejected when its border runs on past its corners (a table
  grid) or when its inside holds more than a line or two of text (a text
  frame or table cell). A box whose side the stamp is printed against, or
  whose side the scan lost, encloses nothing; it is found from its top and
  bottom rules: two of one span a line's height apart, joined at both ends
  by a straight side (a heading set between two rules has none), with
  paper right outside the rules (the flat inner edges of a "0" are chords
  of a ring whose ink goes on outward).

The thresholds live in `checks/pdf/scanned/scanboxes.toml`, so that they are data
one can read and change, not constants buried in code.
"""
