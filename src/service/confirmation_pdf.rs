//! The confirmation as one A4 page in Korean and English, with the QR code of its
//! verification address: what the worker carries to the worksite.
//!
//! Written with `pdf-writer` (no layout engine: the sheet is a fixed list of labelled rows).
//! Text is set in NanumSquare (SIL Open Font License 1.1, shipped unmodified beside this file
//! with its licence), embedded whole as a TrueType CID font with a ToUnicode map, so the page
//! reads the same on any viewer and its text can be searched and copied. The QR code is drawn
//! as filled squares, so it stays sharp at any zoom and print size.

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use qrcode::{Color, EcLevel, QrCode};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::confirmation::{ConfirmedOutcome, Statement};
use super::ServiceError;

/// NanumSquare Regular, unmodified (OFL-1.1; `fonts/NanumSquare-OFL.txt`).
static FONT: &[u8] = include_bytes!("fonts/NanumSquareR.ttf");

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 48.0;
const LABEL_WIDTH: f32 = 150.0;

/// What the sheet shows besides the statement: the worker's Hangul name if filed, and each
/// activity's label in Korean and English (from the pages' catalog, so the words match).
pub struct SheetExtras {
    pub name_ko: Option<String>,
    pub activities: Vec<(String, String)>,
}

/// The PDF of a confirmation whose QR code holds `verify_url`.
pub fn render(
    statement: &Statement,
    extras: &SheetExtras,
    verify_url: &str,
) -> Result<Vec<u8>, ServiceError> {
    let font = Font::load()?;
    let mut page = PageText::new(&font);

    page.line(18.0, "주한 미국 대사관 KIT 데스크 확인서");
    page.line(14.0, "U.S. Embassy Seoul · KIT Desk confirmation");
    page.gap(8.0);
    let (headline_ko, headline_en) = match statement.outcome {
        ConfirmedOutcome::Approved => (
            "아래 근로자의 비자 신청 건이 승인되었습니다.",
            "The visa application of the worker below was approved.",
        ),
        ConfirmedOutcome::EstaAdvised => (
            "아래 근로자는 비자 없이 ESTA로 입국해 아래 활동을 할 수 있다고 데스크가 확인했습니다.",
            "The desk confirmed that the worker below may travel on ESTA (no visa) for the activities below.",
        ),
    };
    page.wrapped(11.0, headline_ko, PAGE_WIDTH - 2.0 * MARGIN);
    page.wrapped(11.0, headline_en, PAGE_WIDTH - 2.0 * MARGIN);
    page.gap(10.0);

    let worker = match &extras.name_ko {
        Some(ko) if !ko.trim().is_empty() => format!("{} ({})", statement.worker, ko.trim()),
        _ => statement.worker.clone(),
    };
    let activities = extras
        .activities
        .iter()
        .map(|(ko, en)| format!("{ko} / {en}"))
        .collect::<Vec<_>>()
        .join("\n");
    let rows: [(&str, &str, String); 10] = [
        ("근로자", "Worker", worker),
        (
            "여권 번호 끝 네 자리",
            "Passport, last four",
            statement.passport_last4.clone(),
        ),
        ("경로", "Route", statement.route.clone()),
        ("법적 근거", "Legal basis", statement.basis.clone()),
        ("허용 활동", "Permitted activities", activities),
        ("고용주", "Employer", statement.employer.clone()),
        ("프로젝트", "Project", statement.project.clone()),
        ("근무지", "Worksite", statement.worksite.clone()),
        (
            "유효 기간",
            "Valid",
            format!("{} – {}", statement.valid_from, statement.valid_until),
        ),
        (
            "접수 번호 · 발급일",
            "Receipt · issued",
            format!("{} · {}", statement.receipt_number, statement.issued_on),
        ),
    ];
    for (ko, en, value) in rows {
        page.row(ko, en, &value);
    }

    // The QR code, at most 290 pt wide, under the rows: some 2.6 pt a module at a token's
    // usual length (error correction L: a printed sheet is clean, and a denser code with more
    // correction would be harder to scan).
    page.gap(14.0);
    let qr_size = 290.0;
    let qr_top = page.y;
    let qr = QrCode::with_error_correction_level(verify_url.as_bytes(), EcLevel::L)
        .map_err(|e| ServiceError::Internal(format!("QR code: {e}")))?;
    let qr_size = draw_qr(&mut page.content, &qr, MARGIN, qr_top, qr_size);
    let caption_x = MARGIN + qr_size + 16.0;
    let caption_width = PAGE_WIDTH - MARGIN - caption_x;
    page.y = qr_top - 4.0;
    page.x = caption_x;
    page.wrapped(
        10.5,
        "휴대전화로 QR 코드를 찍으면 이 확인서가 진짜인지, 지금도 유효한지 데스크에서 바로 확인합니다.",
        caption_width,
    );
    page.wrapped(
        10.5,
        "Scan the QR code to check with the desk that this confirmation is genuine and still valid.",
        caption_width,
    );
    page.gap(6.0);
    page.wrapped(
        8.5,
        "이 확인서는 비자나 입국 기록(I-94)을 대신하지 않습니다. 입국 심사관이 최종 판단합니다.",
        caption_width,
    );
    page.wrapped(
        8.5,
        "This confirmation does not replace the visa or the admission record (I-94); the CBP officer at the port of entry decides admission.",
        caption_width,
    );
    page.x = MARGIN;
    page.y = page.y.min(qr_top - qr_size) - 10.0;
    // The address's start, so a reader sees where the code leads (the desk's own site).
    let shown: String = verify_url.chars().take(64).collect();
    page.line(8.0, &format!("{shown}…"));

    let used = std::mem::take(&mut page.used);
    let content = page.content.finish();
    font.write_pdf(content.as_slice(), &used)
}

/// Draws the QR code's dark modules within a square of at most `max_size` points whose
/// top left corner is (`x`, `top`); returns the side it took. Modules fall on whole pixels of
/// the desk's own page view (`pdf_view`, 1600 px high), so the code on screen is as crisp as
/// on paper; a module smeared over pixel edges by anti-aliasing reads far less reliably. Each
/// row's runs of dark modules are one rectangle.
fn draw_qr(content: &mut Content, qr: &QrCode, x: f32, top: f32, max_size: f32) -> f32 {
    let scale = super::pdf_view::MAX_EDGE_PX / PAGE_HEIGHT;
    let modules = qr.width();
    let quiet = 4;
    let total = (modules + 2 * quiet) as f32;
    let pixels_per_module = (max_size * scale / total).floor().max(1.0);
    let cell = pixels_per_module / scale;
    let left = (x * scale).round() / scale;
    let top = PAGE_HEIGHT - ((PAGE_HEIGHT - top) * scale).round() / scale;
    content.set_fill_rgb(0.0, 0.0, 0.0);
    for (row, line) in qr.to_colors().chunks(modules).enumerate() {
        let mut col = 0;
        while col < line.len() {
            let run = line
                .iter()
                .skip(col)
                .take_while(|c| **c == Color::Dark)
                .count();
            if run == 0 {
                col += 1;
                continue;
            }
            content.rect(
                left + (col + quiet) as f32 * cell,
                // PDF's y grows upwards; the QR's rows go down
                top - (row + quiet + 1) as f32 * cell,
                run as f32 * cell,
                cell,
            );
            col += run;
        }
    }
    content.fill_nonzero();
    cell * total
}

/// The embedded font: glyph ids and advances for the text.
struct Font {
    units_per_em: f32,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    glyphs: skrifa::charmap::Charmap<'static>,
    metrics: skrifa::metrics::GlyphMetrics<'static>,
}

impl Font {
    fn load() -> Result<Font, ServiceError> {
        let font = FontRef::new(FONT)
            .map_err(|e| ServiceError::Internal(format!("the shipped font is unreadable: {e}")))?;
        let m = font.metrics(Size::unscaled(), LocationRef::default());
        Ok(Font {
            units_per_em: f32::from(m.units_per_em.max(1)),
            ascent: m.ascent,
            descent: m.descent,
            cap_height: m.cap_height.unwrap_or(m.ascent),
            glyphs: font.charmap(),
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
        })
    }

    /// The glyph of `c` (0, the font's "missing" glyph, for a character it lacks).
    fn glyph(&self, c: char) -> u16 {
        self.glyphs
            .map(c)
            .and_then(|g| u16::try_from(g.to_u32()).ok())
            .unwrap_or(0)
    }

    /// Advance of glyph `gid` in thousandths of the font size (PDF glyph space).
    fn advance(&self, gid: u16) -> f32 {
        self.metrics
            .advance_width(skrifa::GlyphId::new(u32::from(gid)))
            .unwrap_or(0.0)
            * 1000.0
            / self.units_per_em
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
            / 1000.0
    }

    fn scaled(&self, v: f32) -> f32 {
        v * 1000.0 / self.units_per_em
    }

    /// The whole document: one page with `content`, the font as a Type 0 CID font.
    fn write_pdf(
        &self,
        content: &[u8],
        used: &BTreeMap<u16, char>,
    ) -> Result<Vec<u8>, ServiceError> {
        let catalog = Ref::new(1);
        let pages = Ref::new(2);
        let page_id = Ref::new(3);
        let contents = Ref::new(4);
        let type0 = Ref::new(5);
        let cid = Ref::new(6);
        let descriptor = Ref::new(7);
        let file = Ref::new(8);
        let to_unicode = Ref::new(9);
        let font_name = Name(b"NanumSquareR");

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(pages);
        pdf.pages(pages).kids([page_id]).count(1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(pages)
            .contents(contents);
        page.resources().fonts().pair(Name(b"F1"), type0);
        page.finish();
        let packed = deflate(content)?;
        pdf.stream(contents, &packed).filter(Filter::FlateDecode);

        pdf.type0_font(type0)
            .base_font(font_name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(to_unicode);
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(font_name)
            .system_info(system_info)
            .font_descriptor(descriptor)
            .cid_to_gid_map_predefined(Name(b"Identity"))
            .default_width(1000.0);
        {
            let mut widths = cid_font.widths();
            for &gid in used.keys() {
                widths.consecutive(gid, [self.advance(gid)]);
            }
        }
        cid_font.finish();
        pdf.font_descriptor(descriptor)
            .name(font_name)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                0.0,
                self.scaled(self.descent),
                1000.0,
                self.scaled(self.ascent),
            ))
            .italic_angle(0.0)
            .ascent(self.scaled(self.ascent))
            .descent(self.scaled(self.descent))
            .cap_height(self.scaled(self.cap_height))
            .stem_v(80.0)
            .font_file2(file);
        let packed_font = deflate(FONT)?;
        let length1 = i32::try_from(FONT.len())
            .map_err(|_| ServiceError::Internal("the shipped font is too large".into()))?;
        pdf.stream(file, &packed_font)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), length1);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
        for (&gid, &c) in used {
            cmap.pair(gid, c);
        }
        let cmap = cmap.finish();
        pdf.cmap(to_unicode, cmap.as_slice());
        Ok(pdf.finish())
    }
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, ServiceError> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(bytes)
        .and_then(|_| encoder.finish())
        .map_err(|e| ServiceError::Internal(format!("compression failed: {e}")))
}

/// Text laid out top-down from the top margin.
struct PageText<'f> {
    font: &'f Font,
    content: Content,
    x: f32,
    y: f32,
    /// Glyphs used, with the character each shows (the ToUnicode map and the widths).
    used: BTreeMap<u16, char>,
}

impl<'f> PageText<'f> {
    fn new(font: &'f Font) -> PageText<'f> {
        PageText {
            font,
            content: Content::new(),
            x: MARGIN,
            y: PAGE_HEIGHT - MARGIN,
            used: BTreeMap::new(),
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn show_at(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let mut encoded = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let gid = self.font.glyph(c);
            self.used.entry(gid).or_insert(c);
            encoded.extend_from_slice(&gid.to_be_bytes());
        }
        self.content
            .set_fill_rgb(0.0, 0.0, 0.0)
            .begin_text()
            .set_font(Name(b"F1"), size)
            .next_line(x, y)
            .show(Str(&encoded))
            .end_text();
    }

    /// One line at the cursor, then down.
    fn line(&mut self, size: f32, text: &str) {
        self.y -= size;
        self.show_at(self.x, self.y, size, text);
        self.y -= size * 0.45;
    }

    /// `text` wrapped to `width` (at spaces, or anywhere in a word longer than a line).
    fn wrapped(&mut self, size: f32, text: &str, width: f32) {
        for paragraph in text.split('\n') {
            for line in wrap(self.font, paragraph, size, width) {
                self.line(size, &line);
            }
        }
    }

    /// A labelled row: Korean label over the English one, the value wrapped beside them.
    fn row(&mut self, label_ko: &str, label_en: &str, value: &str) {
        let top = self.y;
        let x = self.x;
        self.line(10.0, label_ko);
        self.line(8.0, label_en);
        let labels_bottom = self.y;
        self.y = top;
        self.x = x + LABEL_WIDTH;
        self.wrapped(11.0, value, PAGE_WIDTH - MARGIN - self.x);
        self.x = x;
        self.y = self.y.min(labels_bottom) - 6.0;
        // a hairline between rows
        self.content
            .set_stroke_rgb(0.8, 0.8, 0.8)
            .set_line_width(0.5)
            .move_to(MARGIN, self.y + 3.0)
            .line_to(PAGE_WIDTH - MARGIN, self.y + 3.0)
            .stroke();
    }
}

/// Greedy line breaking: at spaces; a word wider than the line is cut where it overflows
/// (the verification address has no spaces).
fn wrap(font: &Font, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if font.width(&candidate, size) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        for c in word.chars() {
            current.push(c);
            if font.width(&current, size) > width {
                current.pop();
                lines.push(std::mem::take(&mut current));
                current.push(c);
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_font_has_every_hangul_syllable_and_latin_letter_the_sheet_uses() {
        let font = Font::load().unwrap();
        for c in ('가'..='힣').chain(' '..='~') {
            assert_ne!(font.glyph(c), 0, "no glyph for {c:?}");
        }
    }

    #[test]
    fn long_words_wrap_inside_the_width() {
        let font = Font::load().unwrap();
        let url = format!("https://desk.example/verify/{}", "a".repeat(500));
        let lines = wrap(&font, &url, 7.0, 300.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| font.width(l, 7.0) <= 300.0));
        assert_eq!(lines.concat(), url);
    }

    fn read_qr(png_bytes: Vec<u8>) -> Vec<String> {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let (w, h) = (info.width as usize, info.height as usize);
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[(y * w + x) * channels]);
        image
            .detect_grids()
            .iter()
            .filter_map(|g| g.decode().ok().map(|(_, content)| content))
            .collect()
    }

    #[test]
    fn the_qr_code_reads_back_from_the_page_as_the_desk_renders_it() {
        let statement: Statement = serde_json::from_value(serde_json::json!({
            "receipt_number": "KIT2700000017",
            "outcome": "approved", "worker": "KIM Minjun", "passport_last4": "1234",
            "route": "B1-CIW", "basis": "9 FAM 402.2-5(E)(1); 8 CFR 214.2(b)(1)",
            "activities": ["install", "train_us_workers"], "employer": "Hanbit Battery Systems",
            "project": "Ellabell battery plant, line 3", "worksite": "1 Metaplant Way, Ellabell, GA",
            "valid_from": "2026-12-30", "valid_until": "2027-03-29", "issued_on": "2026-11-30"
        }))
        .unwrap();
        let extras = SheetExtras {
            name_ko: Some("김민준".into()),
            activities: vec![("장비 설치".into(), "Installing equipment".into())],
        };
        // addresses up to the longest the service makes (`confirmation::MAX_VERIFY_URL`)
        let longest = super::super::confirmation::MAX_VERIFY_URL;
        for length in (300..longest).step_by(46).chain([longest]) {
            let prefix = "https://kitdesk.test/verify/";
            let token: String = "aB3-_x.9".repeat(length / 8 + 1);
            let url = format!("{prefix}{}", &token[..length - prefix.len()]);
            let pdf = render(&statement, &extras, &url).unwrap();
            let page = super::super::pdf_view::render_page(pdf, 1).unwrap();
            assert_eq!(
                read_qr(page.png),
                vec![url],
                "address of {length} characters"
            );
        }
    }
}
