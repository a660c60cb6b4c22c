//! The Berth playground in the browser. Its first screen is the task-definition editor.
//!
//! Layout: [`state`] holds the editor's state and actions (pure, tested natively);
//! [`samples`] the seeds' task definitions; [`app`] the components, which only render state
//! and send actions. Only this crate knows the DOM.

mod app;
mod samples;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
