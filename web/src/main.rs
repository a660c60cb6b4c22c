//! The Berth playground in the browser: the live fleet, the guided lessons and the
//! task-definition editor, over a `berth serve` or over the control plane in the page.
//!
//! Layout: [`state`] holds the editor's state and actions, [`live`] the live view's and
//! [`guide`] the lessons' (all pure, tested natively); [`api`] calls `berth serve`, or
//! [`local`], the control plane and virtual fleet run in the page; [`samples`] the seeds'
//! task definitions; [`app`] and [`fleet`] the components, which only render state and send
//! actions. Only this crate knows the DOM.

mod api;
mod app;
mod calls;
mod canvas;
mod canvas_view;
mod export;
mod fleet;
mod forms;
mod guide;
mod guide_panel;
mod i18n;
mod live;
#[cfg(feature = "local")]
mod local;
mod offered_load;
mod samples;
mod scaling;
mod state;
mod task_logs;

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
