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
use rusqlite::{params, Connection};

/// One journalled input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Input {
    /// The region whose control plane it went to.
    pub(crate) region: String,
    /// When it arrived (milliseconds since the epoch).
    pub(crate) at_ms: u64,
    /// `region` (a region's control plane was created), `launch-instance`, `request`.
    pub(crate) kind: String,
    /// The operation (`RunTask`) or the instance type launched.
    pub(crate) operation: String,
    /// The request body, or the zone launched into.
    pub(crate) body: String,
}

pub(crate) struct Journal {
    conn: Connection,
}

impl Journal {
    /// Opens (creating if needed) the journal in `dir`, or an in-memory one.
    pub(crate) fn open(dir: Option<&Path>) -> anyhow::Result<Journal> {
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
        Ok(Journal { conn })
    }

    /// Removes an input that could not be applied (it would fail again on every replay).
    pub(crate) fn remove(&self, seq: i64) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM inputs WHERE seq = ?1", params![seq])?;
        Ok(())
    }

    /// When the earliest input still journalled happened (`None` when there is none).
    pub(crate) fn first_input_at(&self) -> Result<Option<u64>, String> {
        self.conn
            .query_row("SELECT MIN(at_ms) FROM inputs", [], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .map(|at| at.map(|a| a as u64))
            .map_err(|error| error.to_string())
    }

    /// Forgets every input that happened after `at_ms` (a rewind); returns how many.
    pub(crate) fn forget_after(&self, at_ms: u64) -> anyhow::Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM inputs WHERE at_ms > ?1", params![at_ms as i64])?)
    }

    /// Commits an input; returns its sequence number.
    pub(crate) fn append(&self, input: &Input) -> anyhow::Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO inputs (region, at_ms, kind, operation, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                input.region,
                input.at_ms as i64,
                input.kind,
                input.operation,
                input.body
            ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every input after `after`, in the order it was committed, with its sequence number.
    pub(crate) fn inputs(&self, after: i64) -> anyhow::Result<Vec<(i64, Input)>> {
        let mut statement = self.conn.prepare(
            "SELECT seq, region, at_ms, kind, operation, body FROM inputs WHERE seq > ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map(params![after], |row| {
            Ok((
                row.get(0)?,
                Input {
                    region: row.get(1)?,
                    at_ms: row.get::<_, i64>(2)? as u64,
                    kind: row.get(3)?,
                    operation: row.get(4)?,
                    body: row.get(5)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The latest snapshots: each region's state, and the last input they include.
    pub(crate) fn snapshots(&self) -> anyhow::Result<(Vec<(String, String)>, i64)> {
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

    /// Replaces the inputs up to `upto` by the regions' states after them, atomically.
    pub(crate) fn compact(&mut self, upto: i64, states: &[(String, String)]) -> anyhow::Result<()> {
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
        Ok(())
    }
}
