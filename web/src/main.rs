//! The Berth playground in the browser: the task-definition editor and the lessons.
//!
//! Layout: [`state`] holds the editor's state and actions and [`replay`] the lesson player's
//! (both pure, tested natively); [`samples`] the seeds' task definitions; [`lessons`] the
//! scenarios; [`app`] the components, which only render state and send actions. Only this
//! crate knows the DOM.

mod app;
#[cfg(any(test, feature = "lessons"))]
mod lessons;
#[cfg(any(test, feature = "lessons"))]
mod replay;
mod samples;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
