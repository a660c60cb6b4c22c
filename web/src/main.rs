//! The Berth playground in the browser: the live fleet of a `berth serve`, the
//! task-definition editor and the lessons.
//!
//! Layout: [`state`] holds the editor's state and actions, [`live`] the live view's and
//! [`replay`] the lesson player's (all pure, tested natively); [`api`] calls `berth serve`;
//! [`guide`] the guided lessons on the live fleet; [`samples`] the seeds' task definitions;
//! [`lessons`] the scenarios; [`app`] and [`fleet`]
//! the components, which only render state and send actions. Only this crate knows the DOM.

mod api;
mod app;
mod canvas;
mod canvas_view;
mod export;
mod fleet;
mod guide;
mod guide_panel;
mod i18n;
#[cfg(any(test, feature = "lessons"))]
mod lessons;
mod live;
#[cfg(any(test, feature = "lessons"))]
mod replay;
mod samples;
mod state;

fn main() {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if hash == "#bench-canvas" {
        yew::Renderer::<canvas_view::CanvasBench>::new().render();
    } else {
        yew::Renderer::<app::App>::new().render();
    }
}
