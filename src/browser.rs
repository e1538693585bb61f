//! The few things the app asks of the browser beyond rendering: saving a file to the user's
//! disk (a Blob object URL, which is not a network request), reading a file the user chose or
//! dropped, the URL fragment of a share link, an SVG drawn as PNG, the keyboard focus, and the
//! reload and the plain banner that follow a crash (`crash`).

use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};

/// Hands `bytes` to the browser as a download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.set_rel("noopener");
    link.click();
    // The browser has taken the blob once the click is handled; free it a moment later.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}

/// An SVG document as a `data:` URL, which the page's policy lets an `<img>` show (and an image
/// runs no script of its own).
pub fn svg_data_url(svg: &str) -> String {
    format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(svg))
    )
}

/// An SVG document drawn as a PNG image by the browser, `scale` pixels per SVG unit (less when
/// a side would pass what a canvas holds).
pub async fn png_of_svg(svg: &str, scale: f64) -> Result<Vec<u8>, JsValue> {
    use wasm_bindgen_futures::JsFuture;
    /// The longest side Chromium and Firefox draw a canvas with.
    const MAX_SIDE: f64 = 16_384.0;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let image = web_sys::HtmlImageElement::new()?;
    image.set_src(&svg_data_url(svg));
    JsFuture::from(image.decode()).await?;
    let (width, height) = (
        f64::from(image.natural_width()),
        f64::from(image.natural_height()),
    );
    let scale = scale.min(MAX_SIDE / width.max(height).max(1.0));
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width((width * scale).ceil() as u32);
    canvas.set_height((height * scale).ceil() as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or("no 2d canvas")?
        .dyn_into()?;
    context.scale(scale, scale)?;
    context.draw_image_with_html_image_element(&image, 0.0, 0.0)?;
    let mut encoded = Ok(());
    let blob = js_sys::Promise::new(&mut |resolve, _reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        encoded = canvas.to_blob(done.unchecked_ref());
    });
    encoded?;
    let blob: web_sys::Blob = JsFuture::from(blob).await?.dyn_into()?;
    let bytes = JsFuture::from(blob.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&bytes).to_vec())
}

/// The text of a file the user picked or dropped.
pub async fn read_text(file: &web_sys::File) -> Result<String, String> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| format!("{} could not be read", file.name()))?;
    text.as_string()
        .ok_or_else(|| format!("{} is not text", file.name()))
}

/// The files of a file list, in order.
pub fn files(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return vec![] };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The page's URL fragment, with its `#`.
pub fn fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Removes the fragment from the address bar without reloading, so that a reload does not open
/// a shared plan again over the user's later edits.
pub fn clear_fragment() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let url = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// The page's address without its fragment, to build a share link on.
pub fn page_address() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// Whether an event happened in a text field (a textarea, input or select), which has its own
/// undo and keys.
pub fn in_text_field(event: &web_sys::Event) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| matches!(e.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"))
}

/// Moves the keyboard focus to the element with this id, if there is one.
pub fn focus(id: &str) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Gives the keyboard focus back to the shape `event` went to once the page has redrawn: a keyed
/// list that moves an element (a host carried by the arrow keys) takes the focus from it.
pub fn refocus_after_redraw(event: &web_sys::Event) {
    let Some(element) = event
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::SvgElement>().ok())
    else {
        return;
    };
    leptos::prelude::request_animation_frame(move || {
        let _ = element.focus();
    });
}

/// Watches an element's size as the browser lays it out (a `ResizeObserver`): `changed` gets its
/// width and height now and after every change, until the watch is stopped.
pub fn watch_size(
    element: &web_sys::Element,
    mut changed: impl FnMut(f64, f64) + 'static,
) -> Option<SizeWatch> {
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        if let Ok(entry) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>() {
            let rect = entry.content_rect();
            changed(rect.width(), rect.height());
        }
    });
    let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    observer.observe(element);
    Some(SizeWatch { observer, callback })
}

/// A size watch (`watch_size`); it holds the callback the browser calls.
pub struct SizeWatch {
    observer: web_sys::ResizeObserver,
    #[allow(dead_code, reason = "kept alive for the browser to call")]
    callback: Closure<dyn FnMut(js_sys::Array)>,
}

impl SizeWatch {
    pub fn stop(&self) {
        self.observer.disconnect();
    }
}

/// A short file name for a plan: its name in lower case, words joined by `-` (the engine's
/// `validate::slug`), or `plan` when nothing is left.
pub fn slug(name: &str) -> String {
    let slug = swarmplan_engine::validate::slug(name);
    if slug.is_empty() {
        "plan".to_owned()
    } else {
        slug
    }
}

/// Reloads the page.
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// A banner of plain HTML over the page, for when the app's WebAssembly instance has ended and
/// none of its own handlers answer: its button is a link to the page itself, which reloads it
/// with no script at all.
pub fn show_plain_banner(text: &str, button: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let here = window.location().href().unwrap_or_else(|_| "./".to_owned());
    let Some(body) = document.body() else {
        return;
    };
    let build = || -> Result<(), JsValue> {
        let banner = document.create_element("div")?;
        banner.set_class_name("alert-danger crash-banner crash-banner-plain");
        banner.set_attribute("role", "alert")?;
        banner.set_attribute("data-testid", "crash-banner-plain")?;
        let message = document.create_element("p")?;
        message.set_text_content(Some(text));
        let reload = document.create_element("a")?;
        reload.set_class_name("btn btn-primary");
        reload.set_attribute("href", &here)?;
        reload.set_text_content(Some(button));
        banner.append_child(&message)?;
        banner.append_child(&reload)?;
        body.append_child(&banner)?;
        Ok(())
    };
    let _ = build();
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn file_names_are_slugs_of_the_plan_name() {
        assert_eq!(slug("MSactivator HA"), "msactivator-ha");
        assert_eq!(slug("  Two -- sites! "), "two-sites");
        assert_eq!(slug("ü"), "plan");
    }
}
