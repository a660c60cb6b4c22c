//! The canvas fleet view and its frame-time benchmark. [`crate::canvas`] paints; these
//! components hand the pixels to a `<canvas>` and say which instance is under the pointer.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use yew::prelude::*;

use crate::canvas::{paint, tile_at, Tile};

/// The width the canvas fills: its container's, or 1200 pixels.
fn width_of(node: &NodeRef) -> usize {
    node.cast::<web_sys::HtmlElement>()
        .and_then(|e| e.parent_element())
        .map(|p| p.client_width())
        .filter(|w| *w > 0)
        .unwrap_or(1200) as usize
}

/// Paints `tiles` onto the canvas; returns the time it took in milliseconds.
fn draw(canvas: &NodeRef, tiles: &[Tile], buffer: &mut Vec<u8>) -> f64 {
    let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>() else {
        return 0.0;
    };
    let performance = web_sys::window().and_then(|w| w.performance());
    let started = performance.as_ref().map_or(0.0, |p| p.now());
    let (width, height) = paint(tiles, width_of(canvas), buffer);
    // Setting a canvas's size, even to the same, reallocates and clears it.
    if element.width() != width as u32 {
        element.set_width(width as u32);
    }
    if element.height() != height as u32 {
        element.set_height(height as u32);
    }
    let context = element
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
    if let (Some(context), Ok(image)) = (
        context,
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(buffer),
            width as u32,
            height as u32,
        ),
    ) {
        let _ = context.put_image_data(&image, 0.0, 0.0);
    }
    performance.map_or(0.0, |p| p.now()) - started
}

/// A frame of the benchmark's loop.
type Frame = Closure<dyn FnMut()>;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub tiles: Rc<Vec<Tile>>,
}

/// A large fleet on one canvas, with the instance under the pointer named below it.
#[function_component(FleetCanvas)]
pub fn fleet_canvas(props: &Props) -> Html {
    let canvas = use_node_ref();
    let buffer = use_mut_ref(Vec::new);
    let hovered = use_state(|| None::<usize>);
    {
        let (canvas, buffer) = (canvas.clone(), buffer.clone());
        use_effect_with(props.tiles.clone(), move |tiles| {
            draw(&canvas, tiles, &mut buffer.borrow_mut());
        });
    }
    let on_move = {
        let (hovered, canvas, count) = (hovered.clone(), canvas.clone(), props.tiles.len());
        Callback::from(move |event: MouseEvent| {
            let width = canvas
                .cast::<web_sys::HtmlCanvasElement>()
                .map_or(0, |c| c.width() as usize);
            let (x, y) = (
                event.offset_x().max(0) as usize,
                event.offset_y().max(0) as usize,
            );
            hovered.set(tile_at(count, width, x, y));
        })
    };
    // The keyboard walks the tiles as the pointer does: arrows move, Home goes to the first.
    let on_key = {
        let (hovered, canvas, count) = (hovered.clone(), canvas.clone(), props.tiles.len());
        Callback::from(move |event: KeyboardEvent| {
            let width = canvas
                .cast::<web_sys::HtmlCanvasElement>()
                .map_or(0, |c| c.width() as usize);
            let (columns, _, _) = crate::canvas::layout(count, width);
            let at = hovered.unwrap_or(0);
            let next = match event.key().as_str() {
                "ArrowRight" => at + 1,
                "ArrowLeft" => at.saturating_sub(1),
                "ArrowDown" => at + columns,
                "ArrowUp" => at.saturating_sub(columns),
                "Home" => 0,
                _ => return,
            };
            event.prevent_default();
            hovered.set(Some(next.min(count.saturating_sub(1))));
        })
    };
    let tasks: usize = props.tiles.iter().map(|t| t.tasks.len()).sum();
    let about = match hovered.and_then(|i| props.tiles.get(i)) {
        Some(tile) => {
            let used: u32 = tile.tasks.iter().map(|t| t.1).sum();
            format!(
                "{} {}{}: {} tasks, memory {used}/{} MiB",
                tile.id,
                tile.status,
                if tile.connected { "" } else { ", agent disconnected" },
                tile.tasks.len(),
                tile.memory
            )
        }
        None => format!(
            "{} instances, {tasks} tasks: one tile per instance, filled with its tasks' reserved memory by revision (pale while pending).",
            props.tiles.len()
        ),
    };
    html! {
        <div class="fleet-canvas">
            <canvas ref={canvas} id="fleet-canvas" tabindex="0" onmousemove={on_move} onkeydown={on_key}
                    aria-label="Container instances: arrow keys move from one to the next" aria-describedby="fleet-canvas-about"></canvas>
            <p class="muted" id="fleet-canvas-about" aria-live="polite">{ about }</p>
        </div>
    }
}

/// The frame-time benchmark (`#bench-canvas`): 5,000 instances and 100,000 tasks on the
/// canvas, 120 frames of a rolling update (1,000 more tasks on the new revision each frame),
/// each frame painted and handed to the canvas; the median, 95th percentile and worst frame
/// are written to `#bench-result`.
#[function_component(CanvasBench)]
pub fn canvas_bench() -> Html {
    const INSTANCES: usize = 5_000;
    const TASKS: usize = 100_000;
    const FRAMES: usize = 120;
    let canvas = use_node_ref();
    let result = use_state(String::new);
    {
        let (canvas, result) = (canvas.clone(), result.clone());
        use_effect_with((), move |_| {
            let tiles = Rc::new(RefCell::new(crate::canvas::synthetic(INSTANCES, TASKS, 0)));
            let buffer = Rc::new(RefCell::new(Vec::new()));
            let times = Rc::new(RefCell::new(Vec::with_capacity(FRAMES)));
            let frame: Rc<RefCell<Option<Frame>>> = Rc::new(RefCell::new(None));
            let again = frame.clone();
            *frame.borrow_mut() = Some(Closure::new(move || {
                let done = times.borrow().len();
                {
                    // The rolling update moves on: the next 1,000 tasks are on revision 2.
                    let mut tiles = tiles.borrow_mut();
                    let per = TASKS / INSTANCES;
                    for n in done * 1_000..((done + 1) * 1_000).min(TASKS) {
                        tiles[n / per].tasks[n % per].0 = 2;
                    }
                }
                let took = draw(&canvas, &tiles.borrow(), &mut buffer.borrow_mut());
                // Kept in order as they come (the page carries no sort).
                let at = times.borrow().partition_point(|t| *t < took);
                times.borrow_mut().insert(at, took);
                if times.borrow().len() < FRAMES {
                    if let (Some(window), Some(next)) = (web_sys::window(), again.borrow().as_ref())
                    {
                        let _ = window.request_animation_frame(next.as_ref().unchecked_ref());
                    }
                } else {
                    let sorted = times.borrow().clone();
                    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
                    result.set(format!(
                        "canvas instances={INSTANCES} tasks={TASKS} frames={FRAMES} p50_ms={:.2} p95_ms={:.2} max_ms={:.2}",
                        at(0.5),
                        at(0.95),
                        sorted[sorted.len() - 1]
                    ));
                }
            }));
            let first = frame.borrow();
            if let (Some(window), Some(first)) = (web_sys::window(), first.as_ref()) {
                let _ = window.request_animation_frame(first.as_ref().unchecked_ref());
            }
            drop(first);
            // The closure holds itself (`again`): it lives until the last frame and then idles.
        });
    }
    html! {
        <main>
            <h1>{ "Berth: canvas frame-time benchmark" }</h1>
            <pre id="bench-result">{ (*result).clone() }</pre>
            <div style="width: 1200px"><canvas ref={canvas}></canvas></div>
        </main>
    }
}
