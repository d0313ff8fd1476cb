//! PDF pages as images, so that an officer reads a PDF on the case page without a browser's PDF
//! plugin (which does not run under the sandbox the documents are served with) and without
//! any script from the document. Rendered in Rust by `hayro` (no unsafe code, no C library);
//! run it on a blocking thread.

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};

use super::ServiceError;

/// The longer edge of a rendered page, in pixels: sharp enough to read a passport's machine
/// zone, and bounded whatever size the page claims.
pub const MAX_EDGE_PX: f32 = 1600.0;

/// One page as a PNG.
pub struct RenderedPage {
    pub png: Vec<u8>,
    /// The page's number, from 1.
    pub page: usize,
    /// How many pages the PDF has.
    pub pages: usize,
}

fn unreadable() -> ServiceError {
    ServiceError::conflict(
        "pdf_unreadable",
        "this PDF cannot be shown here (it is encrypted or damaged); download it instead",
    )
}

fn open(bytes: Vec<u8>) -> Result<Pdf, ServiceError> {
    Pdf::new(bytes).map_err(|_| unreadable())
}

/// How many pages a PDF has.
pub fn page_count(bytes: Vec<u8>) -> Result<usize, ServiceError> {
    guarded(move || Ok(open(bytes)?.pages().len()))
}

/// Renders page `page` (from 1) to a PNG whose longer edge is at most [`MAX_EDGE_PX`].
pub fn render_page(bytes: Vec<u8>, page: usize) -> Result<RenderedPage, ServiceError> {
    guarded(move || {
        let pdf = open(bytes)?;
        let pages = pdf.pages();
        let count = pages.len();
        let Some(one) = page.checked_sub(1).and_then(|i| pages.get(i)) else {
            return Err(ServiceError::NotFound("page"));
        };
        let (width, height) = one.render_dimensions();
        let longer = width.max(height);
        if !(longer.is_finite() && longer > 0.0) {
            return Err(unreadable());
        }
        let scale = (MAX_EDGE_PX / longer).min(2.0);
        let cache = RenderCache::new();
        let pixmap = hayro::render(
            one,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &PixmapSettings {
                x_scale: scale,
                y_scale: scale,
                bg_color: WHITE,
            },
        );
        let png = pixmap
            .into_png()
            .map_err(|e| ServiceError::Internal(format!("PNG encoding: {e}")))?;
        Ok(RenderedPage {
            png,
            page,
            pages: count,
        })
    })
}

/// Runs `work`, turning a panic inside the renderer (a PDF it does not expect) into a clear
/// refusal instead of a lost thread.
fn guarded<T>(work: impl FnOnce() -> Result<T, ServiceError>) -> Result<T, ServiceError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        tracing::warn!("the PDF renderer gave up on a document");
        Err(unreadable())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real two-page A4 PDF (text in Helvetica, a black square), shared with the API tests.
    const TWO_PAGES: &[u8] = include_bytes!("../../tests/fixtures/two-pages.pdf");

    #[test]
    fn a_page_renders_to_a_bounded_png_and_a_missing_page_is_not_found() {
        let pdf = TWO_PAGES.to_vec();
        assert_eq!(page_count(pdf.clone()).unwrap(), 2);
        let page = render_page(pdf.clone(), 2).unwrap();
        assert_eq!((page.page, page.pages), (2, 2));
        assert!(page.png.starts_with(b"\x89PNG"));
        // A4 (595 x 842 pt): the longer edge is scaled to 1600 px
        let width = u32::from_be_bytes(page.png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(page.png[20..24].try_into().unwrap());
        assert_eq!(height, 1600);
        assert!((1129..=1131).contains(&width), "{width}");
        assert!(matches!(
            render_page(pdf.clone(), 3),
            Err(ServiceError::NotFound("page"))
        ));
        assert!(matches!(
            render_page(pdf, 0),
            Err(ServiceError::NotFound("page"))
        ));
        assert!(matches!(
            render_page(b"%PDF-1.7\nnot really".to_vec(), 1),
            Err(ServiceError::Conflict {
                code: "pdf_unreadable",
                ..
            }) | Err(ServiceError::NotFound("page"))
        ));
    }
}
