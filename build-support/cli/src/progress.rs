//! Live progress of a sync, drawn from its event stream as each event arrives: a bar per
//! stage on a terminal, one line per event otherwise (logs, pipes), or the events
//! themselves as JSON lines for programs.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use adsync_proto::ingestion::{
    SyncEvent, SyncStage, SyncStatus, SyncTrigger, UpstreamReportState, sync_event,
};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::{json, print_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Bars,
    Lines,
    Json,
}

impl Mode {
    /// Bars on a terminal, lines elsewhere, JSON when asked.
    pub(crate) fn pick(json: bool) -> Mode {
        if json {
            Mode::Json
        } else if std::io::stdout().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        }
    }
}

/// "campaign metrics" for SYNC_STAGE_CAMPAIGN_METRICS.
pub(crate) fn stage_name(stage: i32) -> String {
    SyncStage::try_from(stage)
        .map(|s| s.as_str_name())
        .unwrap_or("SYNC_STAGE_UNKNOWN")
        .trim_start_matches("SYNC_STAGE_")
        .to_lowercase()
        .replace('_', " ")
}

/// "success" for SYNC_STATUS_SUCCESS.
pub(crate) fn status_name(status: i32) -> String {
    SyncStatus::try_from(status)
        .map(|s| s.as_str_name())
        .unwrap_or("SYNC_STATUS_UNKNOWN")
        .trim_start_matches("SYNC_STATUS_")
        .to_lowercase()
}

pub(crate) fn trigger_name(trigger: i32) -> String {
    SyncTrigger::try_from(trigger)
        .map(|s| s.as_str_name())
        .unwrap_or("SYNC_TRIGGER_UNKNOWN")
        .trim_start_matches("SYNC_TRIGGER_")
        .to_lowercase()
        .replace('_', "-")
}

/// Draws one run's events.
pub(crate) struct Progress {
    mode: Mode,
    multi: MultiProgress,
    bars: HashMap<i32, ProgressBar>,
    started: Instant,
}

impl Progress {
    pub(crate) fn new(mode: Mode) -> Progress {
        let target = if mode == Mode::Bars {
            ProgressDrawTarget::stdout()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            mode,
            multi: MultiProgress::with_draw_target(target),
            bars: HashMap::new(),
            started: Instant::now(),
        }
    }

    fn say(&self, text: String) {
        match self.mode {
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
            Mode::Lines => println!("[{:>7.2}s] {text}", self.started.elapsed().as_secs_f64()),
            Mode::Json => {}
        }
    }

    fn bar(&mut self, stage: i32) -> &ProgressBar {
        let multi = &self.multi;
        self.bars.entry(stage).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new(0));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>17} {spinner} [{bar:30}] {pos}/{len} {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(stage_name(stage));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        })
    }

    /// Shows `event`; returns the run's final status once it has ended.
    pub(crate) fn event(&mut self, event: &SyncEvent) -> Option<i32> {
        if self.mode == Mode::Json {
            print_json(&json(event, "adsync.ingestion.v1.SyncEvent"));
        }
        let stage = stage_name(event.stage);
        match event.payload.as_ref()? {
            sync_event::Payload::RunStarted(s) => {
                let range = s
                    .date_range
                    .as_ref()
                    .map(|r| format!(", days {} to {}", r.start_date, r.end_date))
                    .unwrap_or_default();
                self.say(format!(
                    "run {} of account {}: {}{}{range} — {}",
                    event.run_id,
                    event.account_id,
                    trigger_name(s.trigger),
                    if s.force { ", forced" } else { "" },
                    s.gate_reason
                ));
            }
            sync_event::Payload::StageStarted(s) => {
                if self.mode == Mode::Bars {
                    self.bar(event.stage).set_length(s.planned.max(0) as u64);
                } else {
                    let planned = if s.planned > 0 {
                        format!(" ({} planned)", s.planned)
                    } else {
                        String::new()
                    };
                    self.say(format!("{stage}: started{planned}"));
                }
            }
            sync_event::Payload::StageProgress(p) => {
                let message = format!("{} records, {} upstream calls", p.records, p.upstream_calls);
                if self.mode == Mode::Bars {
                    let bar = self.bar(event.stage);
                    if p.total > 0 {
                        bar.set_length(p.total as u64);
                    }
                    bar.set_position(p.done.max(0) as u64);
                    bar.set_message(message);
                } else {
                    let of = if p.total > 0 {
                        format!("{}/{}", p.done, p.total)
                    } else {
                        p.done.to_string()
                    };
                    self.say(format!("{stage}: {of} · {message}"));
                }
            }
            sync_event::Payload::StageCompleted(c) => {
                // Fetch stages end before anything is merged: rows written and unchanged
                // are known only when the run commits (its RunFinished carries them).
                let counts = c.count.as_ref().map_or_else(String::new, |c| {
                    format!("fetched {}, invalid {}", c.fetched, c.invalid)
                });
                if self.mode == Mode::Bars {
                    let bar = self.bar(event.stage).clone();
                    if bar.length().unwrap_or(0) == 0 {
                        bar.set_length(1);
                    }
                    bar.set_position(bar.length().unwrap_or(1));
                    bar.finish_with_message(counts);
                } else {
                    self.say(format!("{stage}: done · {counts}"));
                }
            }
            sync_event::Payload::Warning(w) => {
                self.say(format!("warning {}: {}", w.code, w.message));
            }
            sync_event::Payload::Report(r) => {
                let state = UpstreamReportState::try_from(r.state)
                    .map_or("unknown", |s| {
                        s.as_str_name().trim_start_matches("UPSTREAM_REPORT_STATE_")
                    })
                    .to_ascii_lowercase();
                let days = r
                    .date_range
                    .as_ref()
                    .map(|d| format!(" {}..{}", d.start_date, d.end_date))
                    .unwrap_or_default();
                let text = format!("report {}{days} {state}: {}", r.report_type, r.detail);
                if self.mode == Mode::Bars {
                    self.bar(event.stage).set_message(text);
                } else {
                    self.say(format!("{stage}: {text}"));
                }
            }
            sync_event::Payload::RunQueued(q) => {
                self.say(format!(
                    "queued: the replica runs {} of at most {} syncs; this one starts when a slot frees up",
                    q.running, q.limit
                ));
            }
            sync_event::Payload::RunFinished(f) => {
                let ended_well = f.status == SyncStatus::Success as i32
                    || f.status == SyncStatus::Partial as i32;
                for bar in self.bars.values() {
                    if bar.is_finished() {
                        continue;
                    }
                    if ended_well {
                        // The write stage reports no counts of its own: it ends with the run.
                        bar.set_length(bar.length().unwrap_or(0).max(1));
                        bar.set_position(bar.length().unwrap_or(1));
                        bar.finish_with_message("committed");
                    } else {
                        bar.abandon();
                    }
                }
                let run = f.run.clone().unwrap_or_default();
                let count = |f: fn(&adsync_proto::ingestion::EntityCount) -> i64| {
                    run.entity_counts.iter().map(f).sum::<i64>()
                };
                self.say(format!(
                    "{}: {} ({:.1} s, {} upstream calls; rows written {}, unchanged {}; {} invalid records skipped)",
                    status_name(f.status),
                    f.reason,
                    self.started.elapsed().as_secs_f64(),
                    run.upstream_calls,
                    count(|c| c.written),
                    count(|c| c.unchanged),
                    run.error_count
                ));
                return Some(f.status);
            }
        }
        None
    }
}
