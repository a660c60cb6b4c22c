//! The cluster query language: `memberOf` expressions and ListContainerInstances filters.
//!
//! Syntax (ECS Developer Guide, "Cluster query language"): `subject operator [argument]`,
//! combined with `&&`/`and`, `||`/`or`, `!`/`not` and parentheses. Subjects are
//! `agentConnected`, `agentVersion`, `attribute:<name>`, `ec2InstanceId`, `registeredAt`,
//! `runningTasksCount` and `task:group`; every operator has a symbol and a word form; `in`
//! takes a list whose items may be quoted; `=~` is a regular expression that must match the
//! whole value (Java's `matches`). An expression is parsed once into an [`Expr`] and then
//! evaluated against any number of instances through [`QueryTarget`].
//!
//! A malformed expression is an error that says what was expected and where (the character
//! position in the expression), which callers return as an InvalidParameterException.

use std::fmt;

use berth_model::SimTime;

/// The longest expression ECS accepts.
pub const MAX_EXPRESSION_LENGTH: usize = 2000;

/// What an expression can ask of a container instance.
pub trait QueryTarget {
    /// Whether the agent is connected.
    fn agent_connected(&self) -> bool;
    /// The agent's version, e.g. `1.79.0`.
    fn agent_version(&self) -> &str;
    /// The attribute's value: `None` if absent, `Some(None)` if present without a value.
    fn attribute(&self, name: &str) -> Option<Option<&str>>;
    /// The EC2 instance id.
    fn ec2_instance_id(&self) -> &str;
    /// When the instance registered.
    fn registered_at(&self) -> SimTime;
    /// Tasks on the instance with desiredStatus RUNNING.
    fn running_tasks_count(&self) -> u32;
    /// Whether a task of `group` runs on the instance.
    fn has_task_group(&self, group: &str) -> bool;
    /// Every task group with a task on the instance (for `=~` on `task:group`).
    fn task_groups(&self) -> Vec<&str>;
}

/// A parse error: what was expected, at which character of the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// 1-based character position.
    pub position: usize,
    /// What is wrong, e.g. `expected an operator after 'attribute:ecs.instance-type'`.
    pub detail: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}", self.detail, self.position)
    }
}

/// What an expression is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `agentConnected`.
    AgentConnected,
    /// `agentVersion`.
    AgentVersion,
    /// `attribute:<name>`.
    Attribute(String),
    /// `ec2InstanceId`.
    Ec2InstanceId,
    /// `registeredAt`.
    RegisteredAt,
    /// `runningTasksCount`.
    RunningTasksCount,
    /// `task:group`.
    TaskGroup,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::AgentConnected => f.write_str("agentConnected"),
            Subject::AgentVersion => f.write_str("agentVersion"),
            Subject::Attribute(name) => write!(f, "attribute:{name}"),
            Subject::Ec2InstanceId => f.write_str("ec2InstanceId"),
            Subject::RegisteredAt => f.write_str("registeredAt"),
            Subject::RunningTasksCount => f.write_str("runningTasksCount"),
            Subject::TaskGroup => f.write_str("task:group"),
        }
    }
}

/// An operator; negated forms are represented as `Not` around the positive one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `==`, `equals`.
    Equals,
    /// `>`, `greater_than`.
    GreaterThan,
    /// `>=`, `greater_than_equal`.
    GreaterThanEqual,
    /// `<`, `less_than`.
    LessThan,
    /// `<=`, `less_than_equal`.
    LessThanEqual,
    /// `exists`.
    Exists,
    /// `in`.
    In,
    /// `=~`, `matches`.
    Matches,
}

/// A parsed argument.
#[derive(Clone, Debug)]
pub enum Argument {
    /// `exists` takes none.
    None,
    /// One value.
    Value(String),
    /// `[a, 'b', ...]`.
    List(Vec<String>),
    /// A compiled `=~` pattern (anchored at both ends).
    Pattern(regex_lite::Regex),
    /// A `registeredAt` date.
    Time(SimTime),
}

/// A parsed expression.
#[derive(Clone, Debug)]
pub enum Expr {
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Either.
    Or(Box<Expr>, Box<Expr>),
    /// Not.
    Not(Box<Expr>),
    /// `subject operator argument`.
    Compare {
        /// What is asked about.
        subject: Subject,
        /// How.
        operator: Operator,
        /// Against what.
        argument: Argument,
    },
}

impl Expr {
    /// Whether `target` satisfies the expression.
    pub fn matches(&self, target: &impl QueryTarget) -> bool {
        match self {
            Expr::And(a, b) => a.matches(target) && b.matches(target),
            Expr::Or(a, b) => a.matches(target) || b.matches(target),
            Expr::Not(e) => !e.matches(target),
            Expr::Compare {
                subject,
                operator,
                argument,
            } => compare(target, subject, *operator, argument),
        }
    }

    /// True if the expression reads only facts that placements do not change (attributes,
    /// ids, agent, registration), so its result per instance can be computed once per batch.
    pub fn is_static(&self) -> bool {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => a.is_static() && b.is_static(),
            Expr::Not(e) => e.is_static(),
            Expr::Compare { subject, .. } => {
                !matches!(subject, Subject::TaskGroup | Subject::RunningTasksCount)
            }
        }
    }
}

/// Parses an expression.
pub fn parse(expression: &str) -> Result<Expr, QueryError> {
    if expression.chars().count() > MAX_EXPRESSION_LENGTH {
        return Err(QueryError {
            position: MAX_EXPRESSION_LENGTH + 1,
            detail: format!("the expression is longer than {MAX_EXPRESSION_LENGTH} characters"),
        });
    }
    let tokens = lex(expression)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        end: expression.chars().count() + 1,
    };
    if parser.tokens.is_empty() {
        return Err(QueryError {
            position: 1,
            detail: "the expression is empty".into(),
        });
    }
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(parser.error_at(token, format!("unexpected '{}'", token.text))),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Quoted,
    Symbol,
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    text: String,
    /// 1-based character position.
    position: usize,
}

const SYMBOLS: &[&str] = &[
    "==", "!=", ">=", "<=", "=~", "!~", "&&", "||", ">", "<", "!", "(", ")", "[", "]", ",",
];

fn lex(expression: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = expression.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let position = i + 1;
        if c == '\'' || c == '"' {
            let close = chars[i + 1..]
                .iter()
                .position(|&d| d == c)
                .ok_or_else(|| QueryError {
                    position,
                    detail: format!("unterminated quoted value starting with {c}"),
                })?;
            let text: String = chars[i + 1..i + 1 + close].iter().collect();
            tokens.push(Token {
                kind: Kind::Quoted,
                text,
                position,
            });
            i += close + 2;
            continue;
        }
        // `!exists` and `!in` are operators written as one word.
        if c == '!' {
            let word: String = chars[i + 1..]
                .iter()
                .take_while(|d| d.is_ascii_alphabetic())
                .collect();
            if word == "exists" || word == "in" {
                tokens.push(Token {
                    kind: Kind::Word,
                    text: format!("!{word}"),
                    position,
                });
                i += 1 + word.len();
                continue;
            }
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some(symbol) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            tokens.push(Token {
                kind: Kind::Symbol,
                text: (*symbol).to_owned(),
                position,
            });
            i += symbol.len();
            continue;
        }
        if c == '&' || c == '|' || c == '=' || c == '~' {
            return Err(QueryError {
                position,
                detail: format!("unexpected '{c}'"),
            });
        }
        let word: String = chars[i..]
            .iter()
            .take_while(|d| !d.is_whitespace() && !"()[],'\"=!<>~&|".contains(**d))
            .collect();
        i += word.chars().count();
        tokens.push(Token {
            kind: Kind::Word,
            text: word,
            position,
        });
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn error_at(&self, token: &Token, detail: String) -> QueryError {
        QueryError {
            position: token.position,
            detail,
        }
    }

    fn error_here(&self, detail: String) -> QueryError {
        let position = self.peek().map_or(self.end, |t| t.position);
        QueryError { position, detail }
    }

    fn is(&self, texts: &[&str]) -> bool {
        self.peek()
            .is_some_and(|t| t.kind != Kind::Quoted && texts.contains(&t.text.as_str()))
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.is(&["||", "or"]) {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self.is(&["&&", "and"]) {
            self.at += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.is(&["!", "not"]) {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.is(&["("]) {
            self.at += 1;
            let inner = self.or()?;
            if !self.is(&[")"]) {
                return Err(self.error_here("expected ')'".into()));
            }
            self.at += 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.error_here(
                "expected a subject (for example attribute:ecs.instance-type)".into(),
            ));
        };
        let subject = match (token.kind.clone(), token.text.as_str()) {
            (Kind::Word, "agentConnected") => Subject::AgentConnected,
            (Kind::Word, "agentVersion") => Subject::AgentVersion,
            (Kind::Word, "ec2InstanceId") => Subject::Ec2InstanceId,
            (Kind::Word, "registeredAt") => Subject::RegisteredAt,
            (Kind::Word, "runningTasksCount") => Subject::RunningTasksCount,
            (Kind::Word, "task:group") => Subject::TaskGroup,
            (Kind::Word, text) if text.starts_with("attribute:") && text.len() > "attribute:".len() => {
                Subject::Attribute(text["attribute:".len()..].to_owned())
            }
            _ => {
                return Err(self.error_at(
                    &token,
                    format!(
                        "unknown subject '{}'; expected agentConnected, agentVersion, attribute:<name>, ec2InstanceId, registeredAt, runningTasksCount or task:group",
                        token.text
                    ),
                ))
            }
        };
        self.at += 1;
        let Some(op_token) = self.peek().cloned() else {
            return Err(self.error_here(format!("expected an operator after '{}'", token.text)));
        };
        let (operator, negated) = match op_token.text.as_str() {
            _ if op_token.kind == Kind::Quoted => {
                return Err(self.error_at(
                    &op_token,
                    format!("expected an operator after '{}'", token.text),
                ))
            }
            "==" | "equals" => (Operator::Equals, false),
            "!=" | "not_equals" => (Operator::Equals, true),
            ">" | "greater_than" => (Operator::GreaterThan, false),
            ">=" | "greater_than_equal" => (Operator::GreaterThanEqual, false),
            "<" | "less_than" => (Operator::LessThan, false),
            "<=" | "less_than_equal" => (Operator::LessThanEqual, false),
            "exists" => (Operator::Exists, false),
            "!exists" | "not_exists" => (Operator::Exists, true),
            "in" => (Operator::In, false),
            "!in" | "not_in" => (Operator::In, true),
            "=~" | "matches" => (Operator::Matches, false),
            "!~" | "not_matches" => (Operator::Matches, true),
            other => {
                return Err(self.error_at(
                    &op_token,
                    format!("unknown operator '{other}' after '{}'", token.text),
                ))
            }
        };
        self.at += 1;
        let ordering = matches!(
            operator,
            Operator::GreaterThan
                | Operator::GreaterThanEqual
                | Operator::LessThan
                | Operator::LessThanEqual
        );
        let comparable = matches!(
            subject,
            Subject::AgentVersion
                | Subject::RegisteredAt
                | Subject::RunningTasksCount
                | Subject::Attribute(_)
        );
        if ordering && !comparable {
            return Err(self.error_at(
                &op_token,
                format!("operator '{}' cannot be used with {subject}", op_token.text),
            ));
        }
        if operator == Operator::Exists
            && !matches!(subject, Subject::Attribute(_) | Subject::TaskGroup)
        {
            return Err(self.error_at(
                &op_token,
                format!("operator '{}' cannot be used with {subject}", op_token.text),
            ));
        }
        let argument = match operator {
            Operator::Exists => Argument::None,
            Operator::In => Argument::List(self.list()?),
            Operator::Matches => {
                let (pattern, at) = self.value("a pattern")?;
                let anchored = format!("^(?:{pattern})$");
                let regex = regex_lite::Regex::new(&anchored).map_err(|error| QueryError {
                    position: at,
                    detail: format!(
                        "invalid pattern '{pattern}': {}",
                        first_line(&error.to_string())
                    ),
                })?;
                Argument::Pattern(regex)
            }
            _ => {
                let (value, at) = self.value("a value")?;
                match subject {
                    Subject::RegisteredAt => Argument::Time(SimTime::parse_iso8601(&value).ok_or(QueryError {
                        position: at,
                        detail: format!("'{value}' is not a date (use 2018-06-18 or 2018-06-18T22:28:28+00:00)"),
                    })?),
                    Subject::RunningTasksCount if value.parse::<u32>().is_err() => {
                        return Err(QueryError { position: at, detail: format!("'{value}' is not a number") })
                    }
                    _ => Argument::Value(value),
                }
            }
        };
        let compare = Expr::Compare {
            subject,
            operator,
            argument,
        };
        Ok(if negated {
            Expr::Not(Box::new(compare))
        } else {
            compare
        })
    }

    fn value(&mut self, what: &str) -> Result<(String, usize), QueryError> {
        // A bare `and`/`or` here means the value is missing; quoted, they are values.
        let usable = |t: &Token| match t.kind {
            Kind::Quoted => true,
            Kind::Word => !["and", "or"].contains(&t.text.as_str()),
            Kind::Symbol => false,
        };
        match self.peek().cloned() {
            Some(token) if usable(&token) => {
                self.at += 1;
                Ok((token.text, token.position))
            }
            _ => Err(self.error_here(format!("expected {what}"))),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, QueryError> {
        if !self.is(&["["]) {
            return Err(self.error_here("expected a list such as [a, b]".into()));
        }
        self.at += 1;
        let mut items = Vec::new();
        loop {
            if self.is(&["]"]) && items.is_empty() {
                return Err(self.error_here("expected a list item".into()));
            }
            let (item, _) = self.value("a list item")?;
            items.push(item);
            if self.is(&[","]) {
                self.at += 1;
                continue;
            }
            if self.is(&["]"]) {
                self.at += 1;
                return Ok(items);
            }
            return Err(self.error_here("expected ',' or ']'".into()));
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn compare(
    target: &impl QueryTarget,
    subject: &Subject,
    operator: Operator,
    argument: &Argument,
) -> bool {
    let values: Vec<String> = match subject {
        Subject::AgentConnected => vec![target.agent_connected().to_string()],
        Subject::AgentVersion => vec![target.agent_version().to_owned()],
        Subject::Ec2InstanceId => vec![target.ec2_instance_id().to_owned()],
        Subject::RunningTasksCount => vec![target.running_tasks_count().to_string()],
        Subject::RegisteredAt => {
            let at = target.registered_at();
            return match (operator, argument) {
                (_, Argument::Time(t)) => ordered(at.cmp(t), operator),
                (Operator::In, Argument::List(items)) => {
                    items.iter().any(|i| SimTime::parse_iso8601(i) == Some(at))
                }
                (Operator::Matches, Argument::Pattern(p)) => p.is_match(&at.to_iso8601()),
                _ => false,
            };
        }
        Subject::Attribute(name) => match target.attribute(name) {
            None => return false,
            Some(value) => {
                if operator == Operator::Exists {
                    return true;
                }
                match value {
                    Some(v) => vec![v.to_owned()],
                    None => return false,
                }
            }
        },
        Subject::TaskGroup => {
            return match (operator, argument) {
                (Operator::Exists, _) => !target.task_groups().is_empty(),
                (Operator::Equals, Argument::Value(group)) => target.has_task_group(group),
                (Operator::In, Argument::List(groups)) => {
                    groups.iter().any(|g| target.has_task_group(g))
                }
                (Operator::Matches, Argument::Pattern(p)) => {
                    target.task_groups().iter().any(|g| p.is_match(g))
                }
                _ => false,
            };
        }
    };
    let value = &values[0];
    match (operator, argument) {
        (Operator::Equals, Argument::Value(expected)) => value == expected,
        (Operator::In, Argument::List(items)) => items.iter().any(|i| i == value),
        (Operator::Matches, Argument::Pattern(p)) => p.is_match(value),
        (_, Argument::Value(expected)) => {
            let ordering = match subject {
                Subject::AgentVersion => compare_versions(value, expected),
                _ => match (value.parse::<f64>(), expected.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
                    _ => value.as_str().cmp(expected.as_str()),
                },
            };
            ordered(ordering, operator)
        }
        _ => false,
    }
}

fn ordered(ordering: std::cmp::Ordering, operator: Operator) -> bool {
    use std::cmp::Ordering::*;
    match operator {
        Operator::Equals => ordering == Equal,
        Operator::GreaterThan => ordering == Greater,
        Operator::GreaterThanEqual => ordering != Less,
        Operator::LessThan => ordering == Less,
        Operator::LessThanEqual => ordering != Greater,
        _ => false,
    }
}

/// Compares dotted versions numerically part by part (`1.10.0 > 1.9.1`).
fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<u64> {
        v.trim_start_matches('v')
            .split(['.', '-'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let (a, b) = (parts(a), parts(b));
    for i in 0..a.len().max(b.len()) {
        let ordering = a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0));
        if ordering.is_ne() {
            return ordering;
        }
    }
    std::cmp::Ordering::Equal
}
