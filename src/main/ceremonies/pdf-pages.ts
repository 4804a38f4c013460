/**
 * Printable A4 pages for the ceremony binder (the ceremony script before, the transcript after): text
 * wrapped to the page, labelled fields, hashes in monospace rows, lines to write on (initials, times,
 * signatures), and on every page its marking (REHEARSAL), what it is and "page N of M". pdf-lib's
 * standard fonts encode WinAnsi only, so any other character is printed as "?".
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { hexRows } from '../../shared/fingerprint';

/** The PDF's standard fonts encode WinAnsi only: anything else is shown as "?". */
export const printable = (text: string): string => text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

const pageSize: [number, number] = [595, 842]; // A4, in points
const left = 50;
const width = 495;
const top = 790;
const bottom = 60;
const black = rgb(0, 0, 0);
const grey = rgb(0.35, 0.35, 0.35);

export interface TextOptions {
  bold?: boolean;
  mono?: boolean;
  size?: number;
  indent?: number;
  grey?: boolean;
}

/** One place to write by hand: its label, and the length of the line after it. */
export interface Blank {
  label: string;
  length: number;
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
  monoBold: PDFFont;
}

/** Splits text into lines no wider than `max`; a word longer than a line (a path, a hash) is cut. */
function wrap(text: string, font: PDFFont, size: number, max: number): string[] {
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= max;
  const lines: string[] = [];
  let current = '';
  for (const word of printable(text).split(' ')) {
    const candidate = current ? `${current} ${word}` : word;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    let rest = word;
    while (!fits(rest)) {
      let cut = rest.length - 1;
      while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  lines.push(current);
  return lines;
}

export class PdfPages {
  private page!: PDFPage;
  private y = top;

  private constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: Fonts,
    /** What every page says at its foot (the document and ceremony), and at its head when set (REHEARSAL). */
    private readonly marks: { footer: string; banner?: string },
  ) {
    this.newPage();
  }

  static async create(meta: {
    title: string;
    at: Date;
    footer: string;
    banner?: string | undefined;
  }): Promise<PdfPages> {
    const doc = await PDFDocument.create();
    doc.setTitle(printable(meta.title));
    doc.setCreator('Keyward');
    doc.setProducer('Keyward');
    doc.setCreationDate(meta.at);
    doc.setModificationDate(meta.at);
    const fonts: Fonts = {
      regular: await doc.embedFont(StandardFonts.Helvetica),
      bold: await doc.embedFont(StandardFonts.HelveticaBold),
      mono: await doc.embedFont(StandardFonts.Courier),
      monoBold: await doc.embedFont(StandardFonts.CourierBold),
    };
    return new PdfPages(doc, fonts, { footer: meta.footer, ...(meta.banner ? { banner: meta.banner } : {}) });
  }

  private newPage(): void {
    this.page = this.doc.addPage(pageSize);
    this.y = top;
  }

  private font(options: TextOptions): PDFFont {
    if (options.mono) return options.bold ? this.fonts.monoBold : this.fonts.mono;
    return options.bold ? this.fonts.bold : this.fonts.regular;
  }

  /** Starts a new page unless `height` points are left on this one (keeps a block together). */
  need(height: number): void {
    if (this.y - height < bottom) this.newPage();
  }

  gap(height = 6): void {
    this.y -= height;
  }

  /** A paragraph, wrapped to the page (less its indent). */
  text(text: string, options: TextOptions = {}): void {
    const size = options.size ?? 10;
    const font = this.font(options);
    const indent = options.indent ?? 0;
    for (const line of wrap(text, font, size, width - indent)) {
      this.need(size + 3);
      this.page.drawText(line, {
        x: left + indent,
        y: this.y - size,
        size,
        font,
        color: options.grey ? grey : black,
      });
      this.y -= size + 3;
    }
  }

  /** A heading with room under it for at least a few lines (never alone at the foot of a page). */
  heading(text: string, level: 1 | 2 | 3 = 2): void {
    const size = level === 1 ? 16 : level === 2 ? 13 : 11;
    this.need(size + 60);
    this.gap(level === 3 ? 10 : 8);
    this.text(text, { bold: true, size });
    if (level < 3) this.rule();
    this.gap(3);
  }

  /** A thin line across the page. */
  rule(): void {
    this.need(6);
    this.y -= 3;
    this.page.drawLine({
      start: { x: left, y: this.y },
      end: { x: left + width, y: this.y },
      thickness: 0.5,
      color: grey,
    });
    this.y -= 3;
  }

  /** A label and its value beside it; the value wraps in its column. */
  field(label: string, value: string, options: { mono?: boolean; indent?: number; labelWidth?: number } = {}): void {
    const size = 9.5;
    const indent = options.indent ?? 0;
    const labelWidth = options.labelWidth ?? 165;
    const labelLines = wrap(label, this.fonts.bold, size, labelWidth - 8);
    const valueFont = options.mono ? this.fonts.mono : this.fonts.regular;
    const valueLines = wrap(value || '-', valueFont, size, width - indent - labelWidth);
    const rows = Math.max(labelLines.length, valueLines.length);
    this.need(Math.min(rows, 3) * (size + 3));
    for (let i = 0; i < rows; i++) {
      this.need(size + 3);
      const y = this.y - size;
      const l = labelLines[i];
      const v = valueLines[i];
      if (l) this.page.drawText(l, { x: left + indent, y, size, font: this.fonts.bold, color: black });
      if (v) this.page.drawText(v, { x: left + indent + labelWidth, y, size, font: valueFont, color: black });
      this.y -= size + 3;
    }
  }

  /** A hash in full, row by row beside its label (four groups of four hex digits a row): kept together on one page. */
  hashField(label: string, hex: string, group = 4): void {
    const rows = hexRows(hex, group);
    this.need(rows.length * 13);
    rows.forEach((row, i) => this.field(i === 0 ? label : '', row, { mono: true }));
  }

  /** A hash in rows (hex groups or numbered words), for reading aloud: kept together on one page. */
  rows(rows: string[], options: { mono?: boolean; bold?: boolean; size?: number; indent?: number } = {}): void {
    const size = options.size ?? 10;
    this.need(rows.length * (size + 3));
    for (const row of rows) this.text(row, { ...options, size });
  }

  /**
   * One line to write on: who (`lead`, in a column of `leadWidth`), then each blank's label and a line
   * of its length, e.g. "Alice Martin (alice), security officer   Initials ____  Time (UTC) ____".
   */
  writeIn(lead: string, blanks: Blank[], options: { indent?: number; leadWidth?: number; height?: number } = {}): void {
    const size = 9.5;
    const indent = options.indent ?? 0;
    const leadWidth = options.leadWidth ?? 0;
    const height = options.height ?? 22;
    const leadLines = leadWidth ? wrap(lead, this.fonts.regular, size, leadWidth - 8) : [];
    const rowHeight = Math.max(height, leadLines.length * (size + 2) + 8);
    this.need(rowHeight);
    const baseline = this.y - rowHeight + 6;
    leadLines.forEach((line, i) =>
      this.page.drawText(line, {
        x: left + indent,
        y: baseline + (leadLines.length - 1 - i) * (size + 2),
        size,
        font: this.fonts.regular,
        color: black,
      }),
    );
    let x = left + indent + leadWidth;
    for (const blank of blanks) {
      const label = printable(blank.label);
      this.page.drawText(label, { x, y: baseline, size, font: this.fonts.regular, color: grey });
      x += this.fonts.regular.widthOfTextAtSize(label, size) + 4;
      this.page.drawLine({
        start: { x, y: baseline - 2 },
        end: { x: x + blank.length, y: baseline - 2 },
        thickness: 0.75,
        color: black,
      });
      x += blank.length + 12;
    }
    this.y -= rowHeight;
  }

  /** A framed space to write in (notes, deviations from the script), with ruled lines. */
  box(label: string, lines: number): void {
    const lineHeight = 20;
    const height = lines * lineHeight + 18;
    this.need(height + 4);
    const boxTop = this.y;
    this.page.drawRectangle({
      x: left,
      y: boxTop - height,
      width,
      height,
      borderColor: black,
      borderWidth: 0.75,
    });
    this.page.drawText(printable(label), {
      x: left + 6,
      y: boxTop - 12,
      size: 9,
      font: this.fonts.bold,
      color: black,
    });
    for (let i = 1; i <= lines; i++) {
      const y = boxTop - 14 - i * lineHeight;
      this.page.drawLine({
        start: { x: left + 6, y },
        end: { x: left + width - 6, y },
        thickness: 0.3,
        color: grey,
      });
    }
    this.y = boxTop - height - 4;
  }

  /** Every page marked (banner at its head, what it is and its number at its foot), then the file. */
  async save(): Promise<Buffer> {
    const pages = this.doc.getPages();
    pages.forEach((page, i) => {
      const size = 8;
      const footer = printable(this.marks.footer);
      page.drawText(footer, { x: left, y: 30, size, font: this.fonts.regular, color: grey });
      const number = `Page ${i + 1} of ${pages.length}`;
      page.drawText(number, {
        x: left + width - this.fonts.regular.widthOfTextAtSize(number, size),
        y: 30,
        size,
        font: this.fonts.regular,
        color: grey,
      });
      if (this.marks.banner) {
        const banner = printable(this.marks.banner);
        page.drawText(banner, { x: left, y: 812, size: 9, font: this.fonts.bold, color: black });
      }
    });
    return Buffer.from(await this.doc.save({ useObjectStreams: false }));
  }
}
