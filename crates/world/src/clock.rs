//! The world's clock: the wall clock at 1×, 10× or 100× faster, or stopped (the playground's
//! time controls). It is read with the wall time as an argument, so it is as pure as the rest:
//! the server passes a monotonic reading, the page `Date.now()`.

use berth_model::SimTime;

/// The speeds the clock runs at.
pub const SPEEDS: [u32; 4] = [0, 1, 10, 100];

/// The fleet's time: `base` when the wall clock read `wall_base` (milliseconds), running
/// `speed` times as fast as the wall clock since (or stopped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    wall_base: u64,
    base: SimTime,
    speed: u32,
}

impl Clock {
    /// Runs at `speed` from `base`, the wall clock reading `wall`.
    pub fn new(wall: u64, base: SimTime, speed: u32) -> Clock {
        Clock {
            wall_base: wall,
            base,
            speed,
        }
    }

    /// The fleet's time when the wall clock reads `wall` (never before `base`, even if the
    /// wall clock went back).
    pub fn now(&self, wall: u64) -> SimTime {
        let elapsed = wall.saturating_sub(self.wall_base);
        SimTime(self.base.0 + elapsed * u64::from(self.speed))
    }

    /// How many times as fast as the wall clock it runs.
    pub fn speed(&self) -> u32 {
        self.speed
    }

    /// Runs at `speed` from now on.
    pub fn set_speed(&mut self, wall: u64, speed: u32) {
        *self = Clock::new(wall, self.now(wall), speed);
    }

    /// Goes on from `at` (ahead or back), at the same speed.
    pub fn restart_at(&mut self, wall: u64, at: SimTime) {
        *self = Clock::new(wall, at, self.speed);
    }

    /// Jumps ahead to `at` (never back).
    pub fn jump_to(&mut self, wall: u64, at: SimTime) {
        let now = self.now(wall).max(at);
        self.restart_at(wall, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_runs_at_its_speed_and_never_goes_back() {
        let mut clock = Clock::new(1_000, SimTime(50), 10);
        assert_eq!(clock.now(1_100), SimTime(1_050));
        assert_eq!(clock.now(900), SimTime(50));
        clock.set_speed(1_100, 0);
        assert_eq!(clock.now(5_000), SimTime(1_050));
        clock.jump_to(5_000, SimTime(10));
        assert_eq!(clock.now(5_000), SimTime(1_050));
        clock.jump_to(5_000, SimTime(2_000));
        assert_eq!(clock.now(9_000), SimTime(2_000));
        clock.restart_at(9_000, SimTime(20));
        assert_eq!((clock.now(9_000), clock.speed()), (SimTime(20), 0));
    }
}
