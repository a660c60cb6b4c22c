//! The fleet as pixels, for clusters too large for one element per task: each instance a
//! square tile (its border says ACTIVE, DRAINING or agent disconnected), filled bottom-up
//! with its tasks' reserved memory in their revision's colour (paler while not yet RUNNING),
//! white where memory is free. [`paint`] writes RGBA into a buffer the page hands to a canvas
//! in one `putImageData`, so a frame costs the same whatever the number of tasks. Pure and
//! tested natively; [`crate::fleet`] draws it from `berth serve`'s fleet summary.

use berth_model::views::FleetSummary;

/// Clusters with more instances than this are drawn on the canvas.
pub const LARGE: usize = 120;

/// A tile's side in pixels, its one-pixel border included; tiles sit a pixel apart.
pub const TILE: usize = 12;
const PITCH: usize = TILE + 1;

/// The block colours of the stylesheet (`.c0` .. `.c7`), as RGB.
const COLOURS: [[u8; 3]; 8] = [
    [0x8e, 0xca, 0xe6],
    [0xff, 0xb7, 0x03],
    [0x90, 0xbe, 0x6d],
    [0xf4, 0xa2, 0x61],
    [0xcd, 0xb4, 0xdb],
    [0xe9, 0xc4, 0x6a],
    [0x80, 0xce, 0xd7],
    [0xf2, 0x84, 0x82],
];

/// One instance as the canvas draws it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tile {
    pub id: String,
    pub status: String,
    pub connected: bool,
    /// Registered MiB.
    pub memory: u32,
    /// CPU units: (reserved, registered).
    pub cpu: (u32, u32),
    /// `(colour, reserved MiB, running)` per task.
    pub tasks: Vec<(u8, u32, bool)>,
}

/// The tiles of a fleet summary (`/berth/summary`), in order.
pub fn tiles(summary: &FleetSummary) -> Vec<Tile> {
    let colours: Vec<u8> = summary
        .revisions
        .iter()
        .map(|r| crate::live::colour_of(r) as u8)
        .collect();
    summary
        .instances
        .iter()
        .map(|i| Tile {
            id: i.id.clone(),
            status: i.status.as_str().to_owned(),
            connected: i.connected,
            memory: i.memory[1],
            cpu: (i.cpu[0], i.cpu[1]),
            tasks: i
                .tasks
                .iter()
                .map(|&[revision, memory, running]| {
                    (
                        colours.get(revision as usize).copied().unwrap_or(0),
                        memory,
                        running == 1,
                    )
                })
                .collect(),
        })
        .collect()
}

/// The canvas size for `count` tiles in `width` pixels: `(columns, width, height)`.
pub fn layout(count: usize, width: usize) -> (usize, usize, usize) {
    let columns = (width / PITCH).max(1);
    let rows = count.div_ceil(columns).max(1);
    (columns, columns * PITCH, rows * PITCH)
}

/// The tile under the pixel `(x, y)`, if any.
pub fn tile_at(count: usize, width: usize, x: usize, y: usize) -> Option<usize> {
    let (columns, _, _) = layout(count, width);
    let (column, row) = (x / PITCH, y / PITCH);
    let index = row * columns + column;
    (column < columns && x % PITCH < TILE && y % PITCH < TILE && index < count).then_some(index)
}

/// Paints `tiles` into `buffer` (RGBA, resized to fit) for a canvas `width` pixels wide;
/// returns the canvas's `(width, height)`. A buffer painted before for the same grid is
/// reused as it is: every tile is painted over, and only the last row's empty slots (where a
/// tile may have gone) are cleared, so a frame neither reallocates nor zeroes megabytes.
pub fn paint(tiles: &[Tile], width: usize, buffer: &mut Vec<u8>) -> (usize, usize) {
    let (columns, width, height) = layout(tiles.len(), width);
    let size = width * height * 4;
    if buffer.len() == size {
        for index in tiles.len()..columns * (height / PITCH) {
            let (x0, y0) = ((index % columns) * PITCH, (index / columns) * PITCH);
            for y in 0..TILE {
                let row = ((y0 + y) * width + x0) * 4;
                buffer[row..row + TILE * 4].fill(0);
            }
        }
    } else {
        buffer.clear();
        buffer.resize(size, 0);
    }
    let inner = TILE - 2;
    let cells = inner * inner;
    let mut fill: Vec<[u8; 4]> = Vec::with_capacity(cells);
    for (index, tile) in tiles.iter().enumerate() {
        let (x0, y0) = ((index % columns) * PITCH, (index / columns) * PITCH);
        let border = match (tile.connected, tile.status.as_str()) {
            (false, _) => [0xc0, 0x39, 0x2b],
            (_, "DRAINING") => [0xe6, 0x7e, 0x22],
            _ => [0x5b, 0x67, 0x7a],
        };
        // Which colour each of the tile's cells shows: tasks by their share of the memory,
        // filled column by column from the bottom left.
        fill.clear();
        let total = f64::from(tile.memory.max(1));
        let mut used = 0.0;
        for &(colour, memory, running) in &tile.tasks {
            used += f64::from(memory) / total * cells as f64;
            let until = (used.round() as usize).min(cells);
            let [r, g, b] = COLOURS[usize::from(colour) % COLOURS.len()];
            let rgba = if running {
                [r, g, b, 0xff]
            } else {
                [r, g, b, 0x80]
            };
            while fill.len() < until {
                fill.push(rgba);
            }
        }
        let edge = [border[0], border[1], border[2], 0xff];
        for y in 0..TILE {
            let row = ((y0 + y) * width + x0) * 4;
            for (x, pixel) in buffer[row..row + TILE * 4].chunks_exact_mut(4).enumerate() {
                let colour = if x == 0 || y == 0 || x == TILE - 1 || y == TILE - 1 {
                    edge
                } else {
                    let cell = (x - 1) * inner + (inner - y);
                    fill.get(cell).copied().unwrap_or([0xff, 0xff, 0xff, 0xff])
                };
                pixel.copy_from_slice(&colour);
            }
        }
    }
    (width, height)
}

/// A fleet summary of `instances` instances and `tasks` tasks over three revisions, the first
/// `moved` of them on the newest (the canvas benchmark's rolling update, frame by frame).
pub fn synthetic(instances: usize, tasks: usize, moved: usize) -> Vec<Tile> {
    let per = tasks / instances.max(1);
    (0..instances)
        .map(|i| Tile {
            id: format!("{i:08x}"),
            status: if i.is_multiple_of(97) {
                "DRAINING"
            } else {
                "ACTIVE"
            }
            .into(),
            connected: !i.is_multiple_of(211),
            memory: 7_680,
            cpu: (0, 2_048),
            tasks: (0..per)
                .map(|k| {
                    let n = i * per + k;
                    let colour = if n < moved { 2 } else { (n % 2) as u8 };
                    (colour, 256, !n.is_multiple_of(13))
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pixel(buffer: &[u8], width: usize, x: usize, y: usize) -> [u8; 4] {
        let at = (y * width + x) * 4;
        buffer[at..at + 4].try_into().unwrap()
    }

    #[test]
    fn a_half_full_instance_is_half_coloured_from_the_bottom() {
        let summary = json!({"cluster": "default", "revisions": ["arn:aws:ecs:us-east-1:1:task-definition/web:1"],
            "instances": [{"id": "a", "zone": "us-east-1a", "status": "ACTIVE", "connected": true,
                           "cpu": [0, 1024], "memory": [500, 1000], "tasks": [[0, 500, 1]]},
                          {"id": "b", "zone": "us-east-1b", "status": "DRAINING", "connected": true,
                           "cpu": [0, 1024], "memory": [0, 1000], "tasks": []}]});
        let tiles = tiles(&FleetSummary::from_value(&summary).unwrap());
        let mut buffer = Vec::new();
        let (width, height) = paint(&tiles, 100, &mut buffer);
        assert_eq!((width, height), (7 * PITCH, PITCH));
        let colour =
            COLOURS[crate::live::colour_of("arn:aws:ecs:us-east-1:1:task-definition/web:1")];
        // Bottom-left cell coloured, top-right cell free, border grey; the drained one orange.
        assert_eq!(
            pixel(&buffer, width, 1, TILE - 2),
            [colour[0], colour[1], colour[2], 0xff]
        );
        assert_eq!(pixel(&buffer, width, TILE - 2, 1), [0xff; 4]);
        assert_eq!(pixel(&buffer, width, 0, 0), [0x5b, 0x67, 0x7a, 0xff]);
        assert_eq!(pixel(&buffer, width, PITCH, 0), [0xe6, 0x7e, 0x22, 0xff]);
        let coloured = (1..TILE - 1)
            .flat_map(|x| (1..TILE - 1).map(move |y| (x, y)))
            .filter(|&(x, y)| pixel(&buffer, width, x, y) != [0xff; 4])
            .count();
        assert_eq!(coloured, (TILE - 2) * (TILE - 2) / 2);
    }

    #[test]
    fn a_reused_buffer_paints_what_a_fresh_one_does() {
        let tiles = synthetic(50, 500, 100);
        let mut reused = Vec::new();
        paint(&tiles, 600, &mut reused);
        // Fewer tiles on the same grid (a tile left the last row), then a different frame.
        for frame in [&tiles[..48], &synthetic(50, 500, 300)[..]] {
            let mut fresh = Vec::new();
            assert_eq!(
                paint(frame, 600, &mut reused),
                paint(frame, 600, &mut fresh)
            );
            assert!(reused == fresh, "a reused buffer differs from a fresh one");
        }
    }

    #[test]
    fn tiles_are_found_under_the_pointer() {
        assert_eq!(tile_at(10, 100, 0, 0), Some(0));
        assert_eq!(tile_at(10, 100, PITCH + 1, 1), Some(1));
        assert_eq!(tile_at(10, 100, TILE, 0), None); // the gap
        assert_eq!(tile_at(10, 100, 1, PITCH * 2 + 1), None); // past the last tile
    }

    #[test]
    fn five_thousand_instances_fit_a_page_wide_canvas() {
        let tiles = synthetic(5_000, 100_000, 0);
        assert_eq!(tiles.iter().map(|t| t.tasks.len()).sum::<usize>(), 100_000);
        let mut buffer = Vec::new();
        let (width, height) = paint(&tiles, 1_200, &mut buffer);
        assert_eq!(width, 92 * PITCH);
        assert_eq!(height, 5_000usize.div_ceil(92) * PITCH);
    }
}
