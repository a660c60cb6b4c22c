//! The journal: every input that changes state, in order, in SQLite; and, every so often, a
//! snapshot of each region that replaces the inputs before it, so a restart replays only
//! what came after.
//!
//! The control plane and the virtual fleet are deterministic functions of their inputs and
//! the times they arrive at, so the journal is the whole state: a restart replays it and
//! arrives where the server was, byte for byte. An input is committed before it is applied
//! and acknowledged, so an acknowledged write survives `kill -9` (WAL mode: a commit is in the
//! operating system's hands when `execute` returns).

use std::path::Path;

use anyhow::Context;
use berth_fleet_sim::Simulation;
use berth_model::SimTime;
use berth_world::{Entry, Stored};
use rusqlite::{params, Connection};

/// The journal in SQLite: a table of inputs (an [`Entry`] a row), and a table of the latest
/// snapshot of each region with the last input it includes.
pub(crate) struct Journal {
    conn: Connection,
    /// The account of region rows from journals older than the account in them.
    account: String,
    /// The sequence number of the last input appended.
    last_seq: i64,
    /// Inputs appended since the last snapshot.
    pub(crate) since_snapshot: u32,
}

impl Journal {
    /// Opens (creating if needed) the journal in `dir`, or an in-memory one.
    pub(crate) fn open(dir: Option<&Path>, account: &str) -> anyhow::Result<Journal> {
        let conn = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                let path = dir.join("berth.sqlite3");
                Connection::open(&path)
                    .with_context(|| format!("cannot open {}", path.display()))?
            }
            None => Connection::open_in_memory()?,
        };
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS inputs (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 region TEXT NOT NULL,
                 at_ms INTEGER NOT NULL,
                 kind TEXT NOT NULL,
                 operation TEXT NOT NULL,
                 body TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS snapshots (
                 region TEXT PRIMARY KEY,
                 upto INTEGER NOT NULL,
                 state TEXT NOT NULL
             );",
        )?;
        Ok(Journal {
            conn,
            account: account.to_owned(),
            last_seq: 0,
            since_snapshot: 0,
        })
    }

    /// The sequence number of the last input appended (0 before the first).
    pub(crate) fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// Removes the inputs after `seq`, which could not be applied (they would fail again on
    /// every replay); returns the first of them as `(kind, operation)`.
    pub(crate) fn remove_after(&self, seq: i64) -> anyhow::Result<Option<(String, String)>> {
        let first = self
            .conn
            .query_row(
                "SELECT kind, operation FROM inputs WHERE seq > ?1 ORDER BY seq LIMIT 1",
                params![seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .ok();
        self.conn
            .execute("DELETE FROM inputs WHERE seq > ?1", params![seq])?;
        Ok(first)
    }

    /// Every input after `after`, in the order it was committed (kinds this Berth does not
    /// know are left out).
    fn inputs(&self, after: i64) -> anyhow::Result<Vec<Entry>> {
        let mut statement = self.conn.prepare(
            "SELECT region, at_ms, kind, operation, body FROM inputs WHERE seq > ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map(params![after], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)? as u64,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        let mut entries = Vec::new();
        for row in rows {
            let (region, at_ms, kind, operation, body) = row?;
            entries.extend(Entry::from_row(
                &region,
                at_ms,
                &kind,
                &operation,
                &body,
                &self.account,
            ));
        }
        Ok(entries)
    }

    /// The latest snapshots: each region's state, and the last input they include.
    fn snapshots(&self) -> anyhow::Result<(Vec<(String, String)>, i64)> {
        let mut statement = self
            .conn
            .prepare("SELECT region, upto, state FROM snapshots ORDER BY region")?;
        let mut upto = 0;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        let mut states = Vec::new();
        for row in rows {
            let (region, through, state) = row?;
            upto = upto.max(through);
            states.push((region, state));
        }
        Ok((states, upto))
    }

    /// Replaces the inputs up to the last one appended by the regions' states after them,
    /// atomically.
    pub(crate) fn compact(&mut self, states: &[(String, String)]) -> anyhow::Result<()> {
        let upto = self.last_seq;
        let transaction = self.conn.transaction()?;
        for (region, state) in states {
            transaction.execute(
                "INSERT INTO snapshots (region, upto, state) VALUES (?1, ?2, ?3)
                 ON CONFLICT(region) DO UPDATE SET upto = excluded.upto, state = excluded.state",
                params![region, upto, state],
            )?;
        }
        transaction.execute("DELETE FROM inputs WHERE seq <= ?1", params![upto])?;
        transaction.commit()?;
        self.since_snapshot = 0;
        Ok(())
    }
}

impl berth_world::Journal for Journal {
    fn append(&mut self, entry: &Entry) -> Result<(), String> {
        let (kind, operation, body) = entry.to_row();
        self.conn
            .prepare_cached(
                "INSERT INTO inputs (region, at_ms, kind, operation, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut insert| {
                insert.execute(params![
                    entry.region,
                    entry.at.as_millis() as i64,
                    kind,
                    operation,
                    body
                ])
            })
            .map_err(|error| format!("the journal refused the input: {error}"))?;
        self.last_seq = self.conn.last_insert_rowid();
        self.since_snapshot += 1;
        Ok(())
    }

    fn forget_after(&mut self, at: SimTime) -> Result<(), String> {
        self.conn
            .execute(
                "DELETE FROM inputs WHERE at_ms > ?1",
                params![at.as_millis() as i64],
            )
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    fn first_at(&self) -> Option<SimTime> {
        self.conn
            .query_row("SELECT MIN(at_ms) FROM inputs", [], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .ok()
            .flatten()
            .map(|at| SimTime(at as u64))
    }

    fn stored(&self) -> Result<Stored, String> {
        let read = || -> anyhow::Result<Stored> {
            let (states, upto) = self.snapshots()?;
            let mut snapshots = Vec::with_capacity(states.len());
            for (region, state) in states {
                let sim = Simulation::restore(&state).map_err(|error| {
                    anyhow::anyhow!("the snapshot of {region} is damaged: {error}")
                })?;
                snapshots.push((region, sim));
            }
            Ok(Stored {
                snapshots,
                entries: self.inputs(upto)?,
            })
        };
        read().map_err(|error| format!("{error:#}"))
    }
}
