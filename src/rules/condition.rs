//! Condition expressions: the engine trait, its zen-expression implementation, and the
//! publish-time limits that keep hostile or careless expressions away from the evaluator.
//!
//! Owns: compiling and running one boolean expression over typed bindings. Must not know
//! about routes, facts documents or outcomes (that is `eval`).

use super::model::{BaseType, ValueType};
use serde_json::Value;
use std::cell::RefCell;
use thiserror::Error;
use zen_expression::compiler::Opcode;
use zen_expression::expression::Standard;
use zen_expression::functions::{FunctionKind, InternalFunction, MethodKind};
use zen_expression::variable::VariableMap;
use zen_expression::{DateValue, Expression, Variable};

/// Longest condition accepted, in characters.
pub const MAX_CHARS: usize = 1_000;
/// Deepest bracket nesting accepted (`(`, `[`, `{`).
pub const MAX_DEPTH: usize = 12;
/// Most lexical tokens accepted: a proxy for the size of the syntax tree.
pub const MAX_TOKENS: usize = 250;
/// Stack for the compiling thread: the parser recurses, and a stack overflow aborts the process.
pub const COMPILE_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Identifiers refused in conditions: regex matching (compiled on every call, and a door to
/// catastrophic patterns) and anything that makes a result depend on the clock or chance.
const REFUSED_IDENTIFIERS: [&str; 7] = [
    "matches",
    "extract",
    "fuzzyMatch",
    "rand",
    "isToday",
    "isYesterday",
    "isTomorrow",
];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConditionError {
    #[error("condition is {len} characters long; the limit is {MAX_CHARS}")]
    TooLong { len: usize },
    #[error("condition nests brackets {depth} deep; the limit is {MAX_DEPTH}")]
    TooDeep { depth: usize },
    #[error("condition has {count} tokens; the limit is {MAX_TOKENS}")]
    TooManyTokens { count: usize },
    #[error("condition uses `{0}`, which is not allowed (no regex, clock or randomness)")]
    Refused(String),
    #[error("condition does not parse: {0}")]
    Syntax(String),
    #[error("evaluation failed: {0}")]
    Runtime(String),
    #[error("condition returned {0}, not a boolean")]
    NotBoolean(String),
    #[error("compiler thread failed: {0}")]
    Thread(String),
}

/// One input handed to a condition: where it sits in the context, its declared type and value.
///
/// The value has already been type-checked against `ty` by the evaluator.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub path: &'a str,
    /// `path` split on dots (done once at load).
    pub segments: &'a [String],
    pub ty: ValueType,
    pub value: &'a Value,
    /// Where the value lives, which tells an engine how long its converted form stays valid.
    pub origin: Origin,
}

/// Where a bound value lives: lets an engine convert each value once instead of once per rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A parameter value: `key` is unique for the life of the process and never reused.
    Constant { key: u64 },
    /// A value inside the facts document (or context) of one evaluation: immutable and at a
    /// fixed address while that evaluation runs. `evaluation` is unique for the life of the
    /// process, so a conversion is keyed by (evaluation, address) and never outlives it.
    Document { evaluation: u64 },
    /// Computed during the evaluation (derived values): converted on every use.
    Computed,
}

static NEXT_EVALUATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A fresh identity for one evaluation's documents (see `Origin::Document`).
pub fn next_evaluation_id() -> u64 {
    NEXT_EVALUATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// What the evaluator needs from an expression language. Kept small so that zen-expression
/// could be swapped for `cel` (or another engine) without touching rule sets or callers.
pub trait ConditionEngine {
    /// A compiled condition; shared by all threads that evaluate the rule book.
    type Compiled: Send + Sync;
    /// Lexical checks (size, depth, tokens, refused functions) and the identifiers read,
    /// as dotted paths, so the caller can check them against the rule's declarations.
    fn check(&self, source: &str) -> Result<Vec<String>, ConditionError>;
    /// Compiles one checked condition. Call it on a big-stack thread (see `compile_all`).
    fn compile(&self, source: &str) -> Result<Self::Compiled, ConditionError>;
    /// Runs a compiled condition over exactly the given bindings.
    fn eval_bool(
        &self,
        compiled: &Self::Compiled,
        bindings: &[Binding<'_>],
    ) -> Result<bool, ConditionError>;
}

/// The zen-expression engine (GoRules ZEN's expression language, bytecode VM, exact decimals).
#[derive(Debug, Clone, Copy, Default)]
pub struct ZenEngine;

thread_local! {
    // zen's VM holds `Rc` values, so it cannot be shared; one per thread reuses its stack.
    static VM: RefCell<zen_expression::vm::VM> = RefCell::new(zen_expression::vm::VM::new());
    // Parameter values converted to zen values, by `Binding::cache_key` (keys are never
    // reused, so an entry cannot go stale). Bounded: cleared when it grows past the limit.
    static CONSTANTS: RefCell<std::collections::HashMap<u64, Variable>> =
        RefCell::new(std::collections::HashMap::new());
}

const CONSTANTS_LIMIT: usize = 4_096;

/// The current evaluation's converted document values, by (address, declared type). Facts
/// such as dates are read by many rules of many routes; converting them once per evaluation
/// instead of once per rule is a large part of an evaluation's cost.
#[derive(Default)]
struct DocumentMemo {
    evaluation: u64,
    entries: Vec<(usize, BaseType, Variable)>,
}

thread_local! {
    static DOCUMENT: RefCell<DocumentMemo> = RefCell::new(DocumentMemo::default());
}

// Shared `Rc`s handed out by both caches are safe because conditions cannot assign (`=` and
// `;` are refused in `check`), so no evaluation can change what the next one sees.
fn cached_variable(binding: &Binding<'_>) -> Result<Variable, ConditionError> {
    match binding.origin {
        Origin::Computed => to_variable(binding.ty, binding.value),
        Origin::Constant { key } => CONSTANTS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(found) = cache.get(&key) {
                return Ok(found.clone());
            }
            let value = to_variable(binding.ty, binding.value)?;
            if cache.len() >= CONSTANTS_LIMIT {
                cache.clear();
            }
            cache.insert(key, value.clone());
            Ok(value)
        }),
        Origin::Document { evaluation } => DOCUMENT.with(|memo| {
            let mut memo = memo.borrow_mut();
            if memo.evaluation != evaluation {
                memo.evaluation = evaluation;
                memo.entries.clear();
            }
            let address = std::ptr::from_ref(binding.value) as usize;
            let base = binding.ty.base;
            if let Some((_, _, found)) = memo
                .entries
                .iter()
                .find(|(a, b, _)| *a == address && *b == base)
            {
                return Ok(found.clone());
            }
            let value = to_variable(binding.ty, binding.value)?;
            memo.entries.push((address, base, value.clone()));
            Ok(value)
        }),
    }
}

impl ConditionEngine for ZenEngine {
    // `Expression` is an `Arc<[Opcode]>`: Send + Sync (asserted in the tests), so compiled
    // rule books are shared across threads without per-thread caches.
    type Compiled = Expression<Standard>;

    fn check(&self, source: &str) -> Result<Vec<String>, ConditionError> {
        let len = source.chars().count();
        if len > MAX_CHARS {
            return Err(ConditionError::TooLong { len });
        }
        let depth = bracket_depth(source);
        if depth > MAX_DEPTH {
            return Err(ConditionError::TooDeep { depth });
        }
        let tokens = scan(source)?;
        if tokens.len() > MAX_TOKENS {
            return Err(ConditionError::TooManyTokens {
                count: tokens.len(),
            });
        }
        let mut paths = Vec::new();
        let mut i = 0;
        while let Some(token) = tokens.get(i) {
            let Token::Ident(name) = token else {
                i += 1;
                continue;
            };
            if REFUSED_IDENTIFIERS.contains(name) {
                return Err(ConditionError::Refused((*name).to_string()));
            }
            let after_dot = i > 0 && matches!(tokens.get(i - 1), Some(Token::Dot));
            let mut path = (*name).to_string();
            let mut j = i + 1;
            while let (Some(Token::Dot), Some(Token::Ident(next))) =
                (tokens.get(j), tokens.get(j + 1))
            {
                if REFUSED_IDENTIFIERS.contains(next) {
                    return Err(ConditionError::Refused((*next).to_string()));
                }
                path.push('.');
                path.push_str(next);
                j += 2;
            }
            let is_call = matches!(tokens.get(j), Some(Token::Open('(')));
            // A name after `.` is a method (`d(x).add`) and a name before `(` a function:
            // neither reads an input. Keywords and `#` (closure item) are not inputs either.
            if !after_dot && !is_call && !KEYWORDS.contains(name) && !name.starts_with('#') {
                paths.push(path);
            }
            i = j;
        }
        Ok(paths)
    }

    fn compile(&self, source: &str) -> Result<Self::Compiled, ConditionError> {
        let compiled = zen_expression::compile_expression(source)
            .map_err(|e| ConditionError::Syntax(e.to_string()))?;
        // The lexical scan can be fooled by spelling; the bytecode cannot.
        for op in compiled.bytecode().iter() {
            match op {
                Opcode::CallFunction { kind, .. } => match kind {
                    FunctionKind::Internal(
                        f @ (InternalFunction::Matches
                        | InternalFunction::Extract
                        | InternalFunction::FuzzyMatch
                        | InternalFunction::Rand),
                    ) => return Err(ConditionError::Refused(f.to_string())),
                    // zen's dates live in the server's time zone (read from the machine), so
                    // `d(…)` literals, `now` and date arithmetic could change a result with
                    // the host: calendar arithmetic is done in Rust as `derived` values and
                    // conditions only compare dates.
                    FunctionKind::Internal(InternalFunction::Date) => {
                        return Err(ConditionError::Refused(
                            "d() (compare date inputs; compute dates as derived values)".into(),
                        ))
                    }
                    FunctionKind::Deprecated(f) => {
                        return Err(ConditionError::Refused(f.to_string()))
                    }
                    _ => {}
                },
                Opcode::CallMethod {
                    kind: MethodKind::DateMethod(m),
                    ..
                } => {
                    return Err(ConditionError::Refused(format!(
                        "{m} (date methods: compute dates as derived values)"
                    )))
                }
                _ => {}
            }
        }
        Ok(compiled)
    }

    fn eval_bool(
        &self,
        compiled: &Self::Compiled,
        bindings: &[Binding<'_>],
    ) -> Result<bool, ConditionError> {
        let result = with_zen_context(bindings, |context| {
            let scope = zen_expression::Scope::new(context.shallow_clone());
            VM.with(|vm| {
                let mut vm = vm.borrow_mut();
                compiled.evaluate_with_scope(&scope, &mut vm)
            })
        })?;
        match result {
            Ok(Variable::Bool(b)) => Ok(b),
            Ok(other) => Err(ConditionError::NotBoolean(other.to_string())),
            Err(e) => Err(ConditionError::Runtime(e.to_string())),
        }
    }
}

const KEYWORDS: [&str; 7] = ["and", "or", "not", "in", "true", "false", "null"];

/// A token of the small scanner used for the publish-time checks (independent of the engine's
/// own lexer, which needs an arena the engine does not export).
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Ident(&'a str),
    Dot,
    Open(char),
    Other,
}

fn scan(source: &str) -> Result<Vec<Token<'_>>, ConditionError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'`' => return Err(ConditionError::Refused("template strings".into())),
            b'\'' | b'"' => {
                let end = source
                    .get(i + 1..)
                    .and_then(|rest| rest.find(b as char))
                    .ok_or_else(|| ConditionError::Syntax("unterminated string".into()))?;
                tokens.push(Token::Other);
                i += end + 2;
            }
            b'.' if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                tokens.push(Token::Dot);
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                tokens.push(Token::Open(b as char));
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'#' => {
                let start = i;
                i += 1;
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    i += 1;
                }
                tokens.push(Token::Ident(source.get(start..i).unwrap_or_default()));
            }
            c if c.is_ascii_digit() || c == b'.' => {
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == b'.' || *c == b'_')
                {
                    i += 1;
                }
                tokens.push(Token::Other);
            }
            c if c.is_ascii() => {
                // Operators: one token per run (`>=`, `==`); other punctuation one each.
                let start = i;
                while bytes.get(i).is_some_and(|c| b"<>=!+-*/%^?:|&".contains(c)) {
                    i += 1;
                }
                if i == start {
                    if c == b';' {
                        return Err(ConditionError::Refused("`;` (statements)".into()));
                    }
                    i += 1;
                } else if source.get(start..i) == Some("=") {
                    return Err(ConditionError::Refused("`=` (assignment)".into()));
                }
                tokens.push(Token::Other);
            }
            _ => {
                return Err(ConditionError::Syntax(
                    "non-ASCII character outside a string".into(),
                ))
            }
        }
    }
    Ok(tokens)
}

/// Deepest nesting of `(`, `[`, `{` outside string literals.
fn bracket_depth(source: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut quote: Option<char> = None;
    for c in source.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => {
                depth += 1;
                max = max.max(depth);
            }
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Reusable context objects of one thread: the root and one object per namespace
/// (`applicant`, `param`, …). Reusing them saves most of the allocations of an evaluation.
struct ContextMaps {
    root: Variable,
    namespaces: Vec<(String, Variable)>,
    /// Per namespace: already cleared and put in the root during the current call.
    touched: Vec<bool>,
}

thread_local! {
    static CONTEXT: RefCell<Option<ContextMaps>> = const { RefCell::new(None) };
}

/// Fills the thread's context with exactly the bindings (nothing else is visible: every map
/// is cleared first) and runs `f` on it.
fn with_zen_context<T>(
    bindings: &[Binding<'_>],
    f: impl FnOnce(&Variable) -> T,
) -> Result<T, ConditionError> {
    CONTEXT.with(|cell| {
        let mut slot = cell.borrow_mut();
        let maps = slot.get_or_insert_with(|| ContextMaps {
            root: Variable::from_object(VariableMap::with_capacity(8)),
            namespaces: Vec::new(),
            touched: Vec::new(),
        });
        let Some(root) = maps.root.as_object() else {
            return Err(ConditionError::Runtime(
                "context root is not an object".into(),
            ));
        };
        root.borrow_mut().clear();
        maps.touched.iter_mut().for_each(|t| *t = false);
        for binding in bindings {
            let value = cached_variable(binding)?;
            let (first, rest) = match binding.segments {
                [first, rest @ ..] => (first.as_str(), rest),
                [] => continue,
            };
            let Some((last, middle)) = rest.split_last() else {
                root.borrow_mut().insert(Variable::key(first), value);
                continue;
            };
            let index = match maps.namespaces.iter().position(|(n, _)| n == first) {
                Some(i) => i,
                None => {
                    maps.namespaces.push((
                        first.to_string(),
                        Variable::from_object(VariableMap::with_capacity(8)),
                    ));
                    maps.touched.push(false);
                    maps.namespaces.len() - 1
                }
            };
            let Some((_, namespace)) = maps.namespaces.get(index) else {
                continue;
            };
            let Some(ns_map) = namespace.as_object() else {
                continue;
            };
            if let Some(touched @ false) = maps.touched.get_mut(index) {
                *touched = true;
                ns_map.borrow_mut().clear();
                root.borrow_mut()
                    .insert(Variable::key(first), namespace.shallow_clone());
            }
            // Deeper paths (a.b.c) get fresh intermediate objects: rare, so not reused.
            let mut node = namespace.shallow_clone();
            for segment in middle {
                let Some(object) = node.as_object() else {
                    return Err(ConditionError::Runtime(format!(
                        "{} overlaps another input",
                        binding.path
                    )));
                };
                let existing = object
                    .borrow()
                    .get_str(segment)
                    .map(Variable::shallow_clone);
                let child = match existing {
                    Some(child) => child,
                    None => {
                        let child = Variable::from_object(VariableMap::with_capacity(4));
                        object
                            .borrow_mut()
                            .insert(Variable::key(segment), child.shallow_clone());
                        child
                    }
                };
                node = child;
            }
            let Some(object) = node.as_object() else {
                return Err(ConditionError::Runtime(format!(
                    "{} overlaps another input",
                    binding.path
                )));
            };
            object.borrow_mut().insert(Variable::key(last), value);
        }
        Ok(f(&maps.root))
    })
}

fn to_variable(ty: ValueType, value: &Value) -> Result<Variable, ConditionError> {
    match (ty.base, value) {
        (_, Value::Null) => Ok(Variable::Null),
        // UTC midnight in RFC 3339 hits zen's fastest parse path (a bare `YYYY-MM-DD` costs
        // three failed format parses first); conditions only compare dates, so the zone of
        // the instant does not matter as long as every date gets the same one.
        (BaseType::Date, Value::String(text)) => {
            let rfc3339 = format!("{text}T00:00:00Z");
            DateValue::from_text(&rfc3339)
                .ok_or_else(|| ConditionError::Runtime(format!("`{text}` is not a date")))
        }
        (BaseType::Number, Value::Number(_)) => match Variable::from(value) {
            Variable::Null => Err(ConditionError::Runtime(format!(
                "{value} does not fit an exact decimal"
            ))),
            number => Ok(number),
        },
        _ => Ok(Variable::from(value)),
    }
}

/// Compiles many conditions on one short-lived thread with a large stack, so that a deeply
/// nested expression that slipped past the limits cannot overflow a server worker's stack.
pub fn compile_all<E>(
    engine: &E,
    sources: Vec<String>,
) -> Result<Vec<Result<E::Compiled, ConditionError>>, ConditionError>
where
    E: ConditionEngine + Clone + Send + 'static,
    E::Compiled: Send + 'static,
{
    let engine = engine.clone();
    let handle = std::thread::Builder::new()
        .name("rules-compile".into())
        .stack_size(COMPILE_STACK_BYTES)
        .spawn(move || {
            sources
                .iter()
                .map(|s| engine.compile(s))
                .collect::<Vec<_>>()
        })
        .map_err(|e| ConditionError::Thread(e.to_string()))?;
    handle
        .join()
        .map_err(|_| ConditionError::Thread("compiler thread panicked".into()))
}
