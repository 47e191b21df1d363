"""Redaction boxes on born-digital PDF pages, the grounds stamped on them,
and text that is still in the file although a reader cannot see it.

Input is a page's geometry in paint order (`flows.model.Page`): what is
painted later lies on top. Everything here works on that order, which is what
lets lakmoes tell a stamp from a leak:

* a glyph painted *before* an opaque box and covered by it for at least 80%
  of its area is text under the box: hidden text, a leak;
* a glyph painted *after* the box in another colour is the box's stamp
  ("5.1.2e"), read with the ground registry;
* a glyph painted after the box in the box's own colour is hidden too.

x-ray (Free Law Project) keeps a hit only when the box renders in one colour,
so it drops every Woo box that carries a stamp: exactly the normal case.
Here the stamp does not matter for the leak, and leaked text is only ever
reported masked and hashed (`checks.masking`).

What counts as a redaction box (the rules, with their reasons; the numbers
are the defaults in `checks/pdf/boxes.toml`):

* Filled shapes (rectangles and closed paths) of fill alpha 1. A shape with
  alpha < 1 is a highlight: text under it stays readable, so it hides
  nothing. Pattern fills (cross-hatching) count, style ``hatched``.
* Big enough to cover a glyph: both sides at least 60% of the page's median
  glyph height, and at least one glyph height wide. Table rules, underlines
  and bullets are smaller than that.
* Light fills (luminance >= 0.8: white, pale shading) are boxes only when
  they cover text painted before them (a white-out): otherwise they are the
  page or a cell background.
* A dark box with contrasting text on top that is not a stamp (no ground
  code, label or withheld-passage heading, nor a code-shaped number) is a
  labelled panel: a table header cell, a title band. This is how header
  bands are told apart, whatever their size; a full-page black box (a page
  withheld) stays a redaction. A box that covers text is reported whatever
  is on top of it.
* A dark box with nothing on it and nothing under it is taken when it lies
  in the text (within two glyph heights of a glyph): a removal leaves a box
  where the text was. Shapes painted on top of it (a logo on a coloured
  band) make it decoration.
* Outlined boxes: a stroked, unfilled rectangle is a redaction only when it
  encloses a stamp, or encloses nothing while lying in the text. A rectangle
  that shares an edge with another stroked rectangle is part of a table grid,
  and one with ordinary text inside is a frame or a cell: neither is taken.
* Dark images (mean luminance < 0.25) laid over text painted before them are
  boxes (source ``overlay``); other images are pictures. The luminance of
  an image pdfminer cannot decode comes from a render of the page
  (`flows.stages.extract.pdf.rendered_luminance`).

Styles: ``black`` (luminance < 0.25, unsaturated), ``grey`` (up to 0.8),
``colour`` (saturation > 0.25), ``light`` (a white-out over text),
``hatched`` (pattern fill), ``outlined``.
"""
