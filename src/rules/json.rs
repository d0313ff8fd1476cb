//! The JSON writer: an evaluation's explanation as the API sends it, written with the rule
//! sets' static parts pre-escaped at load (escaping was a fifth of the full path's time). Its
//! output is exactly `serde_json::to_string` of the same `Evaluation` (a test holds them equal).

use super::evaluator::{iso_date, Evaluation, RuleResult, RuleSetRef};
use super::model::RuleSetStatus;
use serde_json::Value;
use std::borrow::Cow;

impl Evaluation<'_> {
    /// The same text as `serde_json::to_string(self)`, written with the rule sets' static
    /// parts pre-escaped at load: about three times faster. Use it for HTTP responses.
    pub fn to_json(&self) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(self.routes.len() * 4096 + 64);
        // Writing into a String cannot fail: the `fmt::Result`s below are always Ok.
        let _ = write!(
            out,
            "{{\"filing_date\":\"{}\",\"evaluation_date\":\"{}\",\"fiscal_year\":{},\"routes\":[",
            iso_date(self.filing_date),
            iso_date(self.evaluation_date),
            self.fiscal_year
        );
        for (i, route) in self.routes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"route\":");
            push_json_string(&mut out, route.route);
            let _ = write!(
                out,
                ",\"outcome\":\"{}\",\"title_en\":",
                route.outcome.as_str()
            );
            push_json_string(&mut out, route.title_en);
            out.push_str(",\"title_ko\":");
            push_json_string(&mut out, route.title_ko);
            out.push_str(",\"basis\":");
            match route.basis {
                Some(basis) => push_json_string(&mut out, basis),
                None => out.push_str("null"),
            }
            for (key, text) in [
                ("caution_en", route.caution_en),
                ("caution_ko", route.caution_ko),
            ] {
                if let Some(text) = text {
                    let _ = write!(out, ",\"{key}\":");
                    push_json_string(&mut out, text);
                }
            }
            out.push_str(",\"ruleset\":");
            match &route.ruleset {
                Some(ruleset) => push_ref(&mut out, ruleset),
                None => out.push_str("null"),
            }
            out.push_str(",\"common\":");
            match &route.common {
                Some(common) => push_ref(&mut out, common),
                None => out.push_str("null"),
            }
            out.push_str(",\"rules\":[");
            for (j, rule) in route.rules.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                push_rule(&mut out, rule);
            }
            out.push_str("]}");
        }
        out.push_str("]}");
        out
    }
}

fn push_ref(out: &mut String, r: &RuleSetRef<'_>) {
    use std::fmt::Write;
    out.push_str("{\"id\":");
    push_json_string(out, r.id);
    out.push_str(",\"route\":");
    push_json_string(out, r.route);
    let status = match r.status {
        RuleSetStatus::InForce => "in_force",
        RuleSetStatus::Sandbox => "sandbox",
    };
    let _ = write!(
        out,
        ",\"version\":{},\"status\":\"{status}\",\"hash\":",
        r.version
    );
    push_json_string(out, r.hash);
    out.push('}');
}

fn push_rule(out: &mut String, result: &RuleResult<'_>) {
    use std::fmt::Write;
    out.push('{');
    out.push_str(&result.rule.head_json);
    let _ = write!(out, ",\"status\":\"{}\",", result.status.as_str());
    let is = |en: &str, ko: &str| {
        matches!(
            (&result.message_en, &result.message_ko),
            (Some(Cow::Borrowed(a)), Some(Cow::Borrowed(b)))
                if std::ptr::eq(*a, en) && std::ptr::eq(*b, ko)
        )
    };
    let rule = result.rule;
    if is(&rule.message_en, &rule.message_ko) {
        out.push_str(&rule.failure_json);
    } else if is(&rule.passed_en, &rule.passed_ko) {
        out.push_str(&rule.passed_json);
    } else {
        for (name, message) in [
            ("message_en", &result.message_en),
            ("message_ko", &result.message_ko),
        ] {
            if name == "message_ko" {
                out.push(',');
            }
            let _ = write!(out, "\"{name}\":");
            match message {
                Some(text) => push_json_string(out, text),
                None => out.push_str("null"),
            }
        }
    }
    // Keys are paths and parameter names: validated identifiers, nothing to escape.
    out.push_str(",\"facts\":{");
    for (k, (key, value)) in result.facts.0.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
        push_json_value(out, value.as_ref());
    }
    out.push_str("},\"params\":{");
    for (k, (key, dated)) in result.params.0.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
        out.push_str(&dated.json);
    }
    out.push('}');
    out.push('}');
}

/// `text` as a JSON string literal, escaped exactly as serde_json does.
pub(crate) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_json_string(&mut out, text);
    out
}

pub(crate) fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    if !text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(text.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out.push('"');
}

/// Writes `value` as compact JSON, exactly as serde_json does.
pub(crate) fn push_json_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            use std::fmt::Write;
            // Writing into a String cannot fail.
            let _ = write!(out, "{n}");
        }
        Value::String(s) => push_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, k);
                out.push(':');
                push_json_value(out, v);
            }
            out.push('}');
        }
    }
}
