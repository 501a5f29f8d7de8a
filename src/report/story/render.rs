//! A story as text (one sentence a line, its time in front) and as JSON (the sentences as
//! `{t, kind, text}` objects, `t` in nanoseconds of virtual time).

use super::{time, Kind, Story};
use serde_json::{json, Value};

/// The story as lines of text.
pub fn story_text(story: &Story) -> String {
    let mut out = String::new();
    let told = story
        .sentences
        .iter()
        .filter(|s| !matches!(s.kind, Kind::Verdict | Kind::Replay))
        .count();
    if told > 0 {
        out.push_str(&format!(
            "what happened (seed {}, {told} events in time order)\n",
            story.seed
        ));
    }
    for s in &story.sentences {
        let line = match s.kind {
            Kind::Verdict => format!("verdict    {}", s.text),
            Kind::Replay => format!("replay     {}", s.text),
            _ => format!("{:>9}  {}", time(s.t), s.text),
        };
        if s.kind == Kind::Verdict {
            if let Some(more) = left_out(story) {
                out.push_str(&format!("{:>9}  ({more})\n", ""));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// What the story left out, in words, if anything.
fn left_out(story: &Story) -> Option<String> {
    let mut parts = Vec::new();
    if story.left_out > 0 {
        parts.push(format!(
            "{} other fault(s) and leadership change(s) left out",
            story.left_out
        ));
    }
    if story.ops_left_out > 0 {
        parts.push(format!(
            "{} more witnessed operation(s) in the checker's witness",
            story.ops_left_out
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The story as one JSON object.
pub fn story_json(story: &Story) -> Value {
    json!({
        "scenario": story.scenario,
        "seed": story.seed,
        "verdict": story.verdict.name(),
        "story": story.sentences,
        "left_out": story.left_out,
        "ops_left_out": story.ops_left_out,
    })
}
