//! [`NormalizeError`]: why a record (or an item inside it) was rejected.

/// Why one record could not be normalized. The message names the position
/// (line/column inside the record, byte offset, or field) wherever it is known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NormalizeError {
    #[error("invalid JSON at line {line} column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("invalid UTF-8 at byte {offset}")]
    Utf8 { offset: usize },
    #[error("missing required field `{0}`")]
    MissingField(&'static str),
    #[error("field `{field}`: {reason}")]
    InvalidField { field: String, reason: String },
    #[error("not a {dataset} record: {reason}")]
    WrongFormat {
        dataset: &'static str,
        reason: String,
    },
    #[error("record is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("JSON nested deeper than {limit} levels at byte {offset}")]
    TooDeep { limit: usize, offset: usize },
    #[error("no known format matches this record; name the dataset")]
    Undetected,
    #[error("unknown dataset `{0}`")]
    UnknownDataset(String),
}

impl NormalizeError {
    /// A short, stable label for metrics (`vigie_ingest_records_total{reason}`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Json { .. } => "json",
            Self::Utf8 { .. } => "utf8",
            Self::MissingField(_) => "missing_field",
            Self::InvalidField { .. } => "invalid_field",
            Self::WrongFormat { .. } => "wrong_format",
            Self::TooLarge { .. } => "too_large",
            Self::TooDeep { .. } => "too_deep",
            Self::Undetected => "undetected",
            Self::UnknownDataset(_) => "unknown_dataset",
        }
    }

    /// Wraps a serde_json error, keeping its line and column.
    pub fn json(e: &serde_json::Error) -> Self {
        let full = e.to_string();
        // serde_json appends " at line L column C"; keep only the reason.
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        Self::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }

    /// Shorthand for [`NormalizeError::InvalidField`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<serde_json::Error> for NormalizeError {
    fn from(e: serde_json::Error) -> Self {
        Self::json(&e)
    }
}
