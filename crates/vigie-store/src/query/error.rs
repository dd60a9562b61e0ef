//! [`QueryError`]: why a query did not answer, with the position of the
//! mistake when the query text has one.

use std::time::Duration;

use datafusion::error::DataFusionError;

/// A 1-based line and column in the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

/// A failed query.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The query text is wrong (syntax, unknown column or function, a
    /// statement that is not a read-only query).
    #[error("{message}")]
    Invalid {
        message: String,
        position: Option<Position>,
    },
    #[error("the query ran longer than its limit of {0:?} and was stopped")]
    Timeout(Duration),
    #[error("the query needed more memory than its limit of {limit} bytes: {detail}")]
    Memory { limit: usize, detail: String },
    #[error("query failed: {0}")]
    Internal(String),
}

impl QueryError {
    /// A short label for metrics and API answers.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid",
            Self::Timeout(_) => "timeout",
            Self::Memory { .. } => "memory",
            Self::Internal(_) => "error",
        }
    }

    pub fn position(&self) -> Option<Position> {
        match self {
            Self::Invalid { position, .. } => *position,
            _ => None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>, position: Option<Position>) -> Self {
        Self::Invalid {
            message: message.into(),
            position,
        }
    }

    /// Classifies a DataFusion error.
    pub(crate) fn from_datafusion(e: DataFusionError, memory_limit: usize) -> Self {
        let position = e.diagnostic().and_then(|d| d.span).map(|s| Position {
            line: s.start.line,
            column: s.start.column,
        });
        let root = e.find_root();
        match root {
            DataFusionError::ResourcesExhausted(detail) => Self::Memory {
                limit: memory_limit,
                detail: detail.clone(),
            },
            DataFusionError::SQL(..)
            | DataFusionError::Plan(_)
            | DataFusionError::SchemaError(..)
            | DataFusionError::NotImplemented(_) => {
                let message = root.to_string();
                let position = position.or_else(|| position_in_message(&message));
                Self::Invalid { message, position }
            }
            _ => {
                let message = root.to_string();
                if message.contains("Resources exhausted") {
                    return Self::Memory {
                        limit: memory_limit,
                        detail: message,
                    };
                }
                Self::Internal(message)
            }
        }
    }
}

/// Finds "Line: L, Column: C" in a SQL parser message.
fn position_in_message(message: &str) -> Option<Position> {
    let at = message.find("Line: ")?;
    let rest = &message[at + 6..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let column: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some(Position {
        line: line.trim().parse().ok()?,
        column: column.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_message_position_is_found() {
        assert_eq!(
            position_in_message("Expected: end of statement, found: FRM at Line: 1, Column: 10"),
            Some(Position {
                line: 1,
                column: 10
            })
        );
        assert_eq!(position_in_message("no position"), None);
    }
}
