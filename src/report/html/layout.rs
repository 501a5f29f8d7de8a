//! The page around the data: the header (what ran, seed, trace hash, replay command), the
//! checks with their witnesses, the CAP panel, the places the script draws the diagram and
//! the timeline into, and the embedded data, style and script. Static parts are HTML made
//! here; everything that zooms is drawn by the script from the data.

use crate::des::time::format_instant;
use crate::history::{History, OpType, Process};
use serde_json::Value;
use std::fmt::Write;

/// The page's style.
const CSS: &str = include_str!("assets/report.css");
/// The page's script: renders the diagram and the timeline from the embedded data.
const JS: &str = include_str!("assets/report.js");

/// `s` with the characters HTML gives meaning escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The header's rows: a label and its text (escaped here); `code` rows are shown as code.
pub struct Header {
    /// The page's title.
    pub title: String,
    /// The overall verdict (`pass`, `fail`, `unknown`).
    pub verdict: String,
    /// Label, text, shown as code.
    pub rows: Vec<(&'static str, String, bool)>,
}

/// The whole page: header, the given panels in order, then the data and the script.
pub fn page(header: &Header, panels: &[String], data: &Value) -> String {
    let mut s = String::with_capacity(4096);
    let title = escape(&header.title);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>faultline: {title}</title><style>{CSS}</style></head><body>\
         <header><h1>{title} <span class=\"verdict {v}\">{v}</span></h1><table class=\"meta\">",
        v = escape(&header.verdict)
    );
    for (label, text, code) in &header.rows {
        let text = escape(text);
        let text = if *code {
            format!("<code>{text}</code>")
        } else {
            text
        };
        let _ = write!(s, "<tr><th>{label}</th><td>{text}</td></tr>");
    }
    s.push_str("</table></header><main>");
    for p in panels {
        s.push_str(p);
    }
    // JSON in a script element: `</` could end the element early; `<\/` is the same JSON.
    let json = data
        .to_string()
        .replace("</", "<\\/")
        .replace("<!--", "<\\!--");
    let _ = writeln!(
        s,
        "</main><pre id=\"errors\" hidden></pre>\
         <script type=\"application/json\" id=\"data\">{json}</script>\
         <script>{JS}</script></body></html>"
    );
    s
}

/// The diagram's panel (drawn by the script), with its controls.
pub fn diagram_panel() -> String {
    "<section id=\"diagram-panel\"><h2>Space-time diagram</h2>\
     <p class=\"help\">One lane per node and client; arrows from send to delivery. Red: dropped \
     (× lost, ⨯ cut, ✝ destination down); orange: network duplicate; grey dashes: in flight at \
     the end. Dark bars: crashed; yellow: paused; shaded: partitions; ▼ faults; dots: protocol \
     notes (hover for text). Click a lane's name to fold it. Drag across the axis to zoom.</p>\
     <div class=\"controls\" id=\"controls\"></div><div id=\"diagram\"></div></section>"
        .to_string()
}

/// The timeline's panel (drawn by the script).
pub fn timeline_panel() -> String {
    "<section id=\"timeline-panel\"><h2>Client operations</h2>\
     <p class=\"help\">One row per process; bars from invocation to completion: green ok, red \
     fail, grey info (outcome unknown). Outlined: the operations the failing check's witness \
     names; arrows: the relations between them.</p><div id=\"timeline\"></div></section>"
        .to_string()
}

/// The checks: verdict, summary and witness lines of each.
pub fn checks_panel(checks: &[crate::check::CheckResult]) -> String {
    let mut s = String::from("<section id=\"checks\"><h2>Checks</h2><table class=\"checks\">");
    for c in checks {
        let v = c.verdict.name();
        let _ = write!(
            s,
            "<tr><td>{}</td><td><span class=\"verdict {v}\">{v}</span></td><td>{}",
            escape(c.name),
            escape(&c.summary)
        );
        if !c.witness.is_empty() {
            let lines: Vec<String> = c.witness.iter().map(|l| escape(l)).collect();
            let _ = write!(
                s,
                "<details class=\"witness\"{}><summary>witness</summary><pre>{}</pre></details>",
                if c.verdict == crate::check::Verdict::Fail {
                    " open"
                } else {
                    ""
                },
                lines.join("\n")
            );
        }
        s.push_str("</td></tr>");
    }
    s.push_str("</table></section>");
    s
}

/// The CAP panel: for each partition window, each side's availability (from the JSON
/// report's `availability.partitions`) beside its consistency on the ladder
/// (`availability.consistency`, when the ladder ran), and the verdicts of the checks.
///
/// A side whose consistency the ladder did not judge still shows the failing checks whose key
/// witnessed operation happened there: invoked inside the window and answered by one of the
/// side's nodes (a stale read served by an isolated old leader, say).
pub fn cap_panel(
    availability: &Value,
    checks: &[crate::check::CheckResult],
    history: &History,
) -> String {
    let witnessed = witnessed_ops(checks, history);
    let mut s = String::from(
        "<section id=\"cap\"><h2>CAP: availability and consistency during partitions</h2>",
    );
    let verdicts: Vec<String> = checks
        .iter()
        .map(|c| {
            let v = c.verdict.name();
            format!("{} <span class=\"verdict {v}\">{v}</span>", escape(c.name))
        })
        .collect();
    let _ = write!(s, "<p>Verdicts: {}</p>", verdicts.join(", "));
    let windows = availability["partitions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let consistency = availability["consistency"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if windows.is_empty() {
        s.push_str("<p>The network was never partitioned.</p>");
    } else {
        s.push_str(
            "<table class=\"cap\"><tr><th>window</th><th>side</th><th>available (ok / invoked)</th><th>consistency of its reads</th></tr>",
        );
        for (w, win) in windows.iter().enumerate() {
            let start = win["start_ns"].as_u64().unwrap_or(0);
            let end = win["end_ns"].as_u64().unwrap_or(0);
            let sides = win["sides"].as_array().cloned().unwrap_or_default();
            for (i, side) in sides.iter().enumerate() {
                let nodes: Vec<&str> = side["nodes"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let (ok, total) = (
                    side["ok"].as_u64().unwrap_or(0),
                    side["total"].as_u64().unwrap_or(0),
                );
                let pct = if total == 0 {
                    "no operations".to_string()
                } else {
                    format!("{ok} / {total} ({:.0}%)", 100.0 * ok as f64 / total as f64)
                };
                let cons = consistency
                    .iter()
                    .find(|c| c["start_ns"] == win["start_ns"])
                    .and_then(|c| c["sides"].get(i))
                    .map(|c| {
                        let v = c["verdict"].as_str().unwrap_or("unknown");
                        let list = |k: &str| -> String {
                            c[k].as_array()
                                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                                .unwrap_or_default()
                        };
                        format!(
                            "<span class=\"verdict {v}\">{v}</span> strongest holding: {}; weakest broken: {}",
                            escape(&list("strongest")),
                            escape(&list("weakest_broken"))
                        )
                    })
                    .unwrap_or_else(|| {
                        let here: Vec<String> = witnessed
                            .iter()
                            .filter(|w| {
                                start <= w.invoked && w.invoked < end && nodes.contains(&w.node)
                            })
                            .map(|w| {
                                format!(
                                    "<span class=\"verdict fail\">fail</span> {}'s witness is here: {}",
                                    escape(w.check),
                                    escape(&w.what)
                                )
                            })
                            .collect();
                        if here.is_empty() {
                            "not judged (no per-side ladder: the consistency ladder did not run)"
                                .to_string()
                        } else {
                            here.join("<br>")
                        }
                    });
                let when = if i == 0 {
                    format!(
                        "#{} {} – {}",
                        w + 1,
                        format_instant(start),
                        format_instant(end)
                    )
                } else {
                    String::new()
                };
                let _ = write!(
                    s,
                    "<tr><td>{when}</td><td>{}</td><td>{pct}</td><td>{cons}</td></tr>",
                    escape(&nodes.join(" "))
                );
            }
        }
        s.push_str("</table>");
    }
    let outside = &availability["outside_partitions"];
    if let (Some(ok), Some(total)) = (outside["ok"].as_u64(), outside["total"].as_u64()) {
        let _ = write!(
            s,
            "<p>Outside partitions: {ok} / {total} operations answered.</p>"
        );
    }
    s.push_str("</section>");
    s
}

/// The key operation of a failing check's witness, placed in time and on a node.
struct Witnessed<'a> {
    /// The check that failed.
    check: &'a str,
    /// When the operation was invoked.
    invoked: crate::des::time::Nanos,
    /// The node that answered it.
    node: &'a str,
    /// The operation in words: `p17's read of 70 (answered by n2 at 2.597 s)`.
    what: String,
}

/// For every failing check with structured witness references, its key operation (the first
/// one named) when the history says which node answered it.
fn witnessed_ops<'a>(
    checks: &'a [crate::check::CheckResult],
    history: &'a History,
) -> Vec<Witnessed<'a>> {
    let mut out = Vec::new();
    for c in checks
        .iter()
        .filter(|c| c.verdict == crate::check::Verdict::Fail)
    {
        let Some(&key) = c.refs.ops.first() else {
            continue;
        };
        let Some(invoke) = history.ops.get(key as usize) else {
            continue;
        };
        let completion = history.ops[key as usize + 1..]
            .iter()
            .find(|o| o.process == invoke.process && o.kind != OpType::Invoke);
        let Some((done, node)) = completion.and_then(|o| o.node.as_deref().map(|n| (o, n))) else {
            continue;
        };
        let who = match invoke.process {
            Process::Client(p) => format!("p{p}"),
            Process::Nemesis => "the nemesis".to_string(),
        };
        out.push(Witnessed {
            check: c.name,
            invoked: invoke.time,
            node,
            what: format!(
                "{who}'s {} {} (answered by {node} at {})",
                done.f.name(),
                crate::history::fmt_value(&done.value),
                format_instant(done.time)
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_data_cannot_close_its_element() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        let header = Header {
            title: "t<".into(),
            verdict: "fail".into(),
            rows: vec![("seed", "1".into(), false)],
        };
        let html = page(&header, &[], &serde_json::json!({"x": "</script><!--"}));
        assert!(html.contains("<title>faultline: t&lt;</title>"));
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only the two real ends"
        );
        assert!(html.contains("<\\/script>"));
    }
}
