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

/// What the presence plot writes besides the numbers, in the page's language.
pub struct PresenceLabels<'a> {
    pub title: &'a str,
    /// The 180-day line (GEN-PRESENCE's threshold).
    pub line_180: &'a str,
    /// The 90-day line (one ESTA admission).
    pub line_90: &'a str,
    /// The running count's legend.
    pub count: &'a str,
    /// The strip of days present.
    pub days_present: &'a str,
    /// The marks of training sessions.
    pub training: &'a str,
}

/// The presence plot: the days in the U.S. over the window that starts on `first`, as a
/// running count that climbs a step each day present, drawn against the 90- and 180-day
/// lines, with the days present marked on a strip below, the days of training sessions as
/// ticks above it, and the first of each month named. `present` holds one entry per day of the
/// window; `training` the days (in the window or not) of the sessions.
pub fn presence(
    id: &str,
    labels: &PresenceLabels<'_>,
    first: chrono::NaiveDate,
    present: &[bool],
    training: &[chrono::NaiveDate],
) -> String {
    use chrono::Datelike;
    let (width, height, top, left, right) = (720.0_f64, 280.0_f64, 30.0, 34.0, 10.0);
    let (strip_y, strip_h, axis_y) = (height - 44.0, 12.0, height - 52.0);
    let plot = axis_y - top;
    let days = present.len().max(1) as f64;
    let total = present.iter().filter(|p| **p).count() as i64;
    let max = (total.max(180) + 20) as f64;
    let x_of = |i: usize| left + (width - left - right) * i as f64 / days;
    let y_of = |v: i64| axis_y - plot * v as f64 / max;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-title\" class=\"chart\" id=\"{id}\"><title id=\"{id}-title\">{}</title>",
        escape(labels.title)
    );
    // the legend
    svg.push_str(&format!(
        "<g font-size=\"11\"><line x1=\"{left}\" y1=\"12\" x2=\"{}\" y2=\"12\" stroke=\"{FILLED}\" stroke-width=\"2.5\"/><text x=\"{}\" y=\"16\">{}</text><rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{DASHED}\"/><text x=\"{}\" y=\"16\">{}</text></g>",
        left + 18.0,
        left + 22.0,
        escape(labels.count),
        left + 240.0,
        left + 256.0,
        escape(labels.days_present)
    ));
    svg.push_str(&format!(
        "<g font-size=\"11\"><rect x=\"{}\" y=\"6\" width=\"4\" height=\"12\" fill=\"#2e7d32\"/><text x=\"{}\" y=\"16\">{}</text></g>",
        left + 420.0,
        left + 430.0,
        escape(labels.training)
    ));
    // the reference lines, each named at its right end
    for (value, label, dash) in [(90, labels.line_90, "6 3"), (180, labels.line_180, "2 2")] {
        let y = y_of(value);
        svg.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#8b1a1a\" stroke-dasharray=\"{dash}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#8b1a1a\">{}</text>",
            width - right,
            width - right - 2.0,
            y - 4.0,
            escape(label)
        ));
    }
    // the running count
    let mut count = 0;
    let mut points = format!("{left:.1},{:.1}", y_of(0));
    for (i, here) in present.iter().enumerate() {
        if *here {
            count += 1;
        }
        points.push_str(&format!(" {:.1},{:.1}", x_of(i + 1), y_of(count)));
    }
    svg.push_str(&format!(
        "<polyline points=\"{points}\" fill=\"none\" stroke=\"{FILLED}\" stroke-width=\"2.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"end\">{total}</text>",
        width - right - 2.0,
        y_of(total) - 6.0
    ));
    // the strip: one mark per run of days present
    let mut i = 0;
    while i < present.len() {
        if present[i] {
            let start = i;
            while i < present.len() && present[i] {
                i += 1;
            }
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{strip_y}\" width=\"{:.1}\" height=\"{strip_h}\" fill=\"{DASHED}\"/>",
                x_of(start),
                (x_of(i) - x_of(start)).max(1.0)
            ));
        } else {
            i += 1;
        }
    }
    // the training sessions: a tick above the strip on each day with one
    let mut ticks: Vec<usize> = training
        .iter()
        .filter_map(|d| usize::try_from((*d - first).num_days()).ok())
        .filter(|i| *i < present.len())
        .collect();
    ticks.sort_unstable();
    ticks.dedup();
    for i in ticks {
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"2\" height=\"9\" fill=\"#2e7d32\"/>",
            x_of(i),
            strip_y - 11.0
        ));
    }
    // the axes: counts at the left, the first of each month below
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{axis_y}\" x2=\"{:.1}\" y2=\"{axis_y}\" stroke=\"#555\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{axis_y}\" stroke=\"#555\"/><rect x=\"{left}\" y=\"{strip_y}\" width=\"{:.1}\" height=\"{strip_h}\" fill=\"none\" stroke=\"#999\"/>",
        width - right,
        width - left - right
    ));
    for value in [0, 90, 180] {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{value}</text>",
            left - 4.0,
            y_of(value) + 3.0
        ));
    }
    for i in 0..present.len() {
        let day = first + chrono::Duration::days(i as i64);
        if day.day() == 1 {
            svg.push_str(&format!(
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#999\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                strip_y + strip_h,
                strip_y + strip_h + 4.0,
                height - 12.0,
                day.format("%y/%m"),
                x = x_of(i)
            ));
        }
    }
    svg.push_str("</svg>");
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

    #[test]
    fn the_presence_plot_counts_the_days_and_draws_both_lines() {
        let first: chrono::NaiveDate = "2026-01-30".parse().unwrap();
        let mut present = vec![false; 10];
        present[2..5].iter_mut().for_each(|p| *p = true);
        let labels = PresenceLabels {
            title: "Days <in> the U.S.",
            line_180: "180 days",
            line_90: "90 days",
            count: "count",
            days_present: "present",
            training: "training",
        };
        let training = [
            first + chrono::Duration::days(3),
            first - chrono::Duration::days(1),
        ];
        let svg = presence("p", &labels, first, &present, &training);
        assert!(svg.contains("Days &lt;in&gt; the U.S."));
        assert!(svg.contains(">180 days</text>") && svg.contains(">90 days</text>"));
        // the total, one run on the strip, and February named
        assert!(svg.contains(">3</text>"));
        assert_eq!(svg.matches("fill=\"#d99a00\"/>").count(), 2);
        assert!(svg.contains(">26/02</text>"));
        // one tick: the session before the window is left out
        assert_eq!(svg.matches("height=\"9\" fill=\"#2e7d32\"").count(), 1);
    }
}
