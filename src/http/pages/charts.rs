//! Charts for the pages: server-rendered SVG (no script, no CDN), each with a title for
//! screen readers, the numbers written on the bars, and a pattern besides the colour, so
//! that nothing is told by colour alone. Every chart stands beside a table of its numbers.

/// Text for SVG (an attribute or an element's content).
fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const FILLED: &str = "#1f4e79";
const DASHED: &str = "#d99a00";
const DASHED_STROKE: &str = " stroke=\"#6b4b00\" stroke-dasharray=\"3 2\"";

/// The weekly chart: two bars per week (filed, decided), numbers above them, week dates below.
pub fn weekly(
    id: &str,
    weeks: &[crate::service::reports::WeekCount],
    filed_label: &str,
    decided_label: &str,
    title: &str,
) -> String {
    let (width, height, top, bottom, left) = (720.0_f64, 260.0_f64, 30.0, 40.0, 10.0);
    let plot = height - top - bottom;
    let max = weeks
        .iter()
        .map(|w| w.filed.max(w.decided))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (width - 2.0 * left) / weeks.len().max(1) as f64;
    let bar = (slot - 12.0) / 2.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-title\" class=\"chart\" id=\"{id}\"><title id=\"{id}-title\">{}</title>",
        escape(title)
    );
    svg.push_str(&format!(
        "<g font-size=\"11\"><rect x=\"{left}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{FILLED}\"/><text x=\"{}\" y=\"16\">{}</text><rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{DASHED}\"{DASHED_STROKE}/><text x=\"{}\" y=\"16\">{}</text></g>",
        left + 16.0,
        escape(filed_label),
        left + 140.0,
        left + 156.0,
        escape(decided_label)
    ));
    for (i, w) in weeks.iter().enumerate() {
        let x = left + i as f64 * slot + 6.0;
        for (j, (value, fill, dash)) in [(w.filed, FILLED, ""), (w.decided, DASHED, DASHED_STROKE)]
            .into_iter()
            .enumerate()
        {
            let h = plot * value as f64 / max;
            let bx = x + j as f64 * bar;
            let by = top + plot - h;
            svg.push_str(&format!(
                "<rect x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{fill}\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{value}</text>",
                bar - 1.0,
                bx + bar / 2.0,
                by - 3.0
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x + bar,
            height - bottom + 14.0,
            w.week_start.format("%m/%d")
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\"/></svg>",
        top + plot,
        width - left,
        top + plot
    ));
    svg
}

/// A bar chart of one series: a bar per (label, value), the value above it, the label below.
/// `dashed` draws the bars in the second style (a dashed outline), for a chart that should
/// not read as the first kind.
pub fn bars(id: &str, title: &str, bars: &[(String, i64)], dashed: bool) -> String {
    let (width, height, top, bottom, left) = (480.0_f64, 220.0_f64, 16.0, 36.0, 10.0);
    let plot = height - top - bottom;
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let slot = (width - 2.0 * left) / bars.len().max(1) as f64;
    let bar = (slot - 14.0).max(4.0);
    let (fill, stroke) = if dashed {
        (DASHED, DASHED_STROKE)
    } else {
        (FILLED, "")
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-title\" class=\"chart\" id=\"{id}\"><title id=\"{id}-title\">{}</title>",
        escape(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let x = left + i as f64 * slot + 7.0;
        let h = plot * *value as f64 / max;
        let y = top + plot - h;
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{fill}\"{stroke}/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{value}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x + bar / 2.0,
            (y - 3.0).max(11.0),
            x + bar / 2.0,
            height - bottom + 16.0,
            escape(label)
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\"/></svg>",
        top + plot,
        width - left,
        top + plot
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_charts_write_each_value_and_escape_labels() {
        let svg = bars(
            "c",
            "Days <to> decision",
            &[("0–7".into(), 3), ("8+ & more".into(), 0)],
            false,
        );
        assert!(svg.contains("<title id=\"c-title\">Days &lt;to&gt; decision</title>"));
        assert!(svg.contains(">3</text>"));
        assert!(svg.contains(">0</text>"));
        assert!(svg.contains("8+ &amp; more"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
