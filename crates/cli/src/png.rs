//! The diagram as PNG: the SVG `swarmplan diagram` prints, rasterised by resvg with the fonts
//! kept in the repository (`fonts/`, DejaVu Sans), never the machine's own, so that the same
//! plan gives the same pixels on every machine.

use resvg::{tiny_skia, usvg};

const SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The most pixels a side of the PNG may have: a diagram of thousands of nodes is drawn at a
/// smaller scale rather than as an image no viewer opens.
pub const MAX_SIDE: u32 = 16_384;

/// `svg` as PNG bytes, `scale` pixels per SVG unit (smaller when a side would pass `MAX_SIDE`).
pub fn render(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    let mut options = usvg::Options::default();
    let fonts = options.fontdb_mut();
    fonts.load_font_data(SANS.to_vec());
    fonts.load_font_data(SANS_BOLD.to_vec());
    // The diagram names system fonts first and ends with the generic family; none of the named
    // ones is loaded, so every text falls to it.
    fonts.set_sans_serif_family("DejaVu Sans");
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("the diagram: {e}"))?;
    let size = tree.size();
    let scale = scale.min(MAX_SIDE as f32 / size.width().max(size.height()));
    let width = (size.width() * scale).ceil() as u32;
    let height = (size.height() * scale).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width.max(1), height.max(1))
        .ok_or_else(|| format!("cannot draw a {width}×{height} image"))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| format!("PNG: {e}"))
}
